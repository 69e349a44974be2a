"""Where a meaning's identity goes on its element, and what is wrong with the one already there.

JATS >= 1.2 has the four vocab attributes (and ``degree-contribution`` from 1.2d2); JATS 1.0/1.1
and NLM 3.0 have only ``content-type``, where JATS4R puts the term URI. An identity already present
in an older form is reported (``deprecated-identifier``) and rewritten only under ``upgrade``.
rules.py decides which term an element means; this module writes it.
"""

from __future__ import annotations

import dataclasses

from jats_enrich.article.jats_version import TERM_ATTRIBUTES, VOCAB_ATTRIBUTES, JatsVersion, declares
from jats_enrich.decide.found_forms import DEGREES, DegreeForm, degree_form, describe_found, older_form, what_is_wrong
from jats_enrich.decide.model import Decision, Edit, Meaning, Outcome, Policy, join_notes
from jats_enrich.decide.profiles import known_vocab_names, profiles_writing
from jats_enrich.dictionaries.model import TermStatus
from jats_enrich.match.analyse import Analysis
from jats_enrich.match.candidates import IdentifierMatch
from jats_enrich.match.qualifiers import Degree


class IdentityPlacer:
    """Places one meaning on one target, for the article's JATS version and the user's policy."""

    def __init__(self, analysis: Analysis, version: JatsVersion | None, policy: Policy) -> None:
        self.a = analysis
        self.version = version
        self.policy = policy
        self.profile = policy.profile
        self.name = analysis.target.name
        self.kind = analysis.target.kind
        # Roles need all four vocab attributes; a keyword or subject needs its term attributes
        # (vocab and vocab-identifier may sit on its group).
        needed = VOCAB_ATTRIBUTES if self.kind == "role" else TERM_ATTRIBUTES
        self.modern = all(declares(version, self.name, attribute) for attribute in needed)
        # Only roles have a JATS4R form for older versions (the term URI in content-type).
        self.legacy_writable = (
            self.kind == "role"
            and not self.modern
            and policy.legacy == "content-type"
            and declares(version, self.name, "content-type")
        )
        # A profile may want a role's term URI in content-type beside the vocab attributes (SciELO).
        self.content_type_too = (
            self.kind == "role"
            and self.modern
            and policy.profile.content_type == "always"
            and declares(version, self.name, "content-type")
        )

    # -- where the identity goes -------------------------------------------------------------

    def _vocabulary_state(self, attributes: dict[str, str], named: IdentifierMatch | None, meaning: Meaning) -> str:
        """Whether ``vocab`` / ``vocab-identifier`` name the meaning's vocabulary: "none" (absent),
        "current" (the profile's form, or one it accepts unless upgrading), "older" (another known
        form: vocab="CRediT", the dictionary's own or a deprecated address), "foreign"."""
        vocabulary, term = meaning.vocabulary, meaning.term
        correct = self._correct(meaning)
        states = set()
        vocab = attributes.get("vocab")
        if vocab is not None:
            if vocab in correct["vocab"]:
                states.add("current")
            elif vocab.casefold() == vocabulary.name.casefold() or vocab in known_vocab_names(vocabulary, self.profile):
                states.add("older")
            else:
                states.add("foreign")
        identifier = attributes.get("vocab-identifier")
        if identifier is not None:
            if identifier in correct["vocab-identifier"]:
                states.add("current")
            elif identifier == vocabulary.scheme_of(term):  # the dictionary's own address, another profile's form
                states.add("older")
            elif identifier in vocabulary.schemes:  # another scheme of the same thesaurus
                states.add("foreign")
            elif named is not None and named.term is None and named.vocabulary.name == vocabulary.name:
                states.add("older")
            else:
                states.add("foreign")
        for state in ("foreign", "older", "current"):
            if state in states:
                return state
        return "none"

    def _correct(self, meaning: Meaning) -> dict[str, set[str]]:
        """Per attribute, the values that are right: the profile's own under ``upgrade`` (which
        converts into it), or also those of the profiles whose form its consumer reads."""
        return self.profile.correct_values(meaning.vocabulary, meaning.term, exact=self.policy.upgrade)

    def _place(self, meaning: Meaning) -> Decision:
        e = self.a.existing
        own = self._vocabulary_state(e.attributes, e.vocab_identifier, meaning)
        if own == "foreign":
            named = ", ".join(f'{k}="{v}"' for k, v in e.attributes.items() if k in ("vocab", "vocab-identifier"))
            return self._result(
                Outcome.CONFLICT,
                meaning,
                note=f"the text means {meaning.vocabulary.name}:{meaning.term.label} but the element says "
                f"{named}; left unchanged",
            )
        if own == "none" and e.inherited:
            group = self._vocabulary_state(e.inherited, e.inherited_vocab_identifier, meaning)
            if group == "foreign":
                named = ", ".join(f'{k}="{v}"' for k, v in e.inherited.items())
                return self._result(
                    Outcome.CONFLICT,
                    meaning,
                    note=f"the text means {meaning.vocabulary.name}:{meaning.term.label} but its "
                    f"<{self._group_name()}> says {named}; left unchanged",
                )
        if meaning.term.status is TermStatus.DEPRECATED:
            replacement = meaning.vocabulary.replacement(meaning.term)
            if replacement is None or not self.policy.replace_deprecated:
                named = (
                    f"replaced by {replacement.label} ({replacement.identifier})" if replacement else "no replacement"
                )
                how = "; `replace_deprecated` tags the replacement" if replacement else ""
                return self._result(
                    Outcome.DEPRECATED, meaning, note=f"{meaning.term.label} is deprecated: {named}{how}"
                )
            replaced = Meaning(meaning.vocabulary, replacement, meaning.rule, meaning.matched_label, meaning.score)
            decision = self._place(replaced)
            note = join_notes(f"{meaning.term.label} is deprecated; tagged with its replacement", decision.note)
            return dataclasses.replace(decision, note=note)
        return self._modern(meaning) if self.modern else self._legacy(meaning)

    def _modern(self, meaning: Meaning) -> Decision:
        """JATS >= 1.2: the four vocab attributes carry the identity."""
        e = self.a.existing
        wanted = self._vocab_attributes(meaning)
        stale = self._stale_vocab_attributes(meaning)
        ct = e.content_type_identifier
        # content-type holding this identity in a form the profile does not write there: the
        # profile's own form goes in its place (content_type "always") or it goes (otherwise).
        old_content_type = ct is not None and e.content_type not in self._correct_content_type(meaning)
        if self.content_type_too and e.content_type is not None and ct is None:
            del wanted["content-type"]  # it holds something else than an identity: left as it is
        degree = self._degree_form(meaning)
        found = join_notes(
            describe_found(stale, e.content_type if old_content_type else None), degree.found if degree else None
        )
        present = self._present()
        group_found, group_edit = self._group_upgrade(meaning)
        if e.inherited and not ("vocab" in e.attributes or "vocab-identifier" in e.attributes):
            # The keyword's group carries vocab and/or vocab-identifier for it (current, or an older
            # form handled on the group itself): the term needs only what the group does not say.
            wanted = {k: v for k, v in wanted.items() if k not in e.inherited}
        missing = {k: v for k, v in wanted.items() if k not in present}
        to_end = ("content-type",) if self._content_type_out_of_place(wanted, present) else ()
        if to_end and not found:
            found = f'content-type="{e.content_type}" before other attributes'
        degree_note = self._degree_note(meaning)
        if group_found:
            found = join_notes(found, group_found)
            if not self.policy.upgrade:
                group_edit = None

        if found and self.policy.upgrade:
            remove: tuple[str, ...] = ("content-type",) if old_content_type and "content-type" not in wanted else ()
            if degree is not None and degree.replacement is None:
                remove += ("degree-contribution",)
            edit = self._rewrite(wanted, present, remove, to_end)
            return self._result(
                Outcome.UPGRADED,
                meaning,
                found_identifier=found,
                edit=edit,
                group_edit=group_edit,
                note=join_notes(f"rewrote {found} into the current form", degree_note),
            )
        if found:
            # Adding the missing vocab attributes is safe unless some present ones are outdated:
            # then the element would mix two forms, so it is left for --upgrade.
            edit = Edit.on(self.a.target, missing) if missing and not stale else None
            wrong = self._wrong_forms(meaning, stale, old_content_type, group_found, degree)
            return self._result(
                Outcome.DEPRECATED_IDENTIFIER,
                meaning,
                found_identifier=found,
                edit=edit,
                note=join_notes("; ".join(wrong) + "; `upgrade` rewrites it", degree_note),
            )
        if missing:
            return self._result(Outcome.TAGGED, meaning, edit=Edit.on(self.a.target, missing), note=degree_note)
        return self._result(Outcome.ALREADY_CORRECT, meaning, note=degree_note)

    def _legacy(self, meaning: Meaning) -> Decision:
        """JATS <= 1.1, NLM: only content-type can carry the term URI (the JATS4R 1.1 form)."""
        e = self.a.existing
        if self.kind != "role":
            shown = str(self.version) if self.version else "unknown"
            return self._result(
                Outcome.SKIPPED_VERSION,
                meaning,
                note=f"JATS version {shown} declares no vocab attributes on <{self.name}>",
            )
        ct = e.content_type_identifier
        degree_note = self._degree_note(meaning)
        shown = str(self.version) if self.version else "unknown"
        if ct is not None and ct.term is not None and e.content_type in self._correct(meaning)["content-type"]:
            return self._result(Outcome.ALREADY_CORRECT, meaning, note=degree_note)
        if ct is not None:  # an older form of the term URI, or the vocabulary's generic address
            found = f'content-type="{ct.found}"'
            older = older_form(ct.term is None, meaning)
            if self.policy.upgrade and self.legacy_writable:
                return self._result(
                    Outcome.UPGRADED,
                    meaning,
                    found_identifier=found,
                    edit=Edit.on(self.a.target, {"content-type": self._term_uri(meaning)}),
                    note=join_notes(f"rewrote {found} into the term URI", degree_note),
                )
            how = "; `upgrade` rewrites it" if self.legacy_writable else ""
            return self._result(
                Outcome.DEPRECATED_IDENTIFIER,
                meaning,
                found_identifier=found,
                note=join_notes(f"{found}: {older}{how}", degree_note),
            )
        if not self.legacy_writable:
            if self.policy.legacy == "skip" and declares(self.version, self.name, "content-type"):
                why = f"JATS {shown}: nothing written under `legacy` skip"
            else:
                why = f"JATS version {shown} declares no vocab attributes on <{self.name}>"
            return self._result(Outcome.SKIPPED_VERSION, meaning, note=join_notes(why, degree_note))
        if e.content_type is not None:
            why = f'JATS {shown} has only content-type for the term URI, and it holds "{e.content_type}"'
            return self._result(Outcome.SKIPPED_VERSION, meaning, note=join_notes(why, degree_note))
        return self._result(
            Outcome.TAGGED,
            meaning,
            edit=Edit.on(self.a.target, {"content-type": self._term_uri(meaning)}),
            note=join_notes(f"JATS {shown}: term URI written into content-type (the JATS4R form)", degree_note),
        )

    # -- helpers -----------------------------------------------------------------------------

    def _group_name(self) -> str:
        group = self.a.target.group
        return str(group.tag) if group is not None else "group"

    def _wrong_forms(
        self,
        meaning: Meaning,
        stale: dict[str, str],
        old_content_type: bool,
        group_found: str | None,
        degree: DegreeForm | None,
    ) -> list[str]:
        """What is wrong with each attribute in another form, in words a reviewer can act on."""
        e = self.a.existing
        ct = e.content_type_identifier
        wrong = [f'{k}="{v}": {self._what_is_wrong(k, v, meaning)}' for k, v in stale.items()]
        if old_content_type:
            wrong.append(f'content-type="{e.content_type}": {older_form(ct is not None and ct.term is None, meaning)}')
        if group_found:
            wrong.append(f"{group_found}: {older_form(False, meaning)}")
        if degree is not None:
            wrong.append(f"{degree.found}: {degree.problem}")
        return wrong

    def _rewrite(
        self, wanted: dict[str, str], present: dict[str, str], remove: tuple[str, ...], to_end: tuple[str, ...]
    ) -> Edit | None:
        """The edit that puts the element into the profile's exact form (None: it is in it)."""
        changes = {k: v for k, v in wanted.items() if present.get(k) != v}
        return Edit.on(self.a.target, changes, remove, to_end) if changes or remove or to_end else None

    def _present(self) -> dict[str, str]:
        """The identity attributes on the element: vocab ones, degree-contribution, content-type."""
        e = self.a.existing
        present = dict(e.attributes)
        if e.degree is not None:
            present["degree-contribution"] = e.degree
        if e.content_type is not None:
            present["content-type"] = e.content_type
        return present

    def _content_type_out_of_place(self, wanted: dict[str, str], present: dict[str, str]) -> bool:
        """Under ``upgrade``, a profile that writes content-type beside the vocab attributes
        writes it after every other attribute, where it appends it: another profile removes it,
        this one puts it back in the same place (decide.model.Edit)."""
        if not (self.policy.upgrade and "content-type" in wanted and "content-type" in present):
            return False
        appended = any(k not in present for k in wanted)
        return appended or list(self.a.target.attributes)[-1] != "content-type"

    def _term_uri(self, meaning: Meaning) -> str:
        return self.profile.term_identifier(meaning.vocabulary, meaning.term)

    def _correct_content_type(self, meaning: Meaning) -> set[str]:
        """The content-type values that are right on a modern role: none unless the profile writes
        the term URI there; without ``upgrade``, also the term's current URI (the JATS4R 1.1 form)."""
        correct = self._correct(meaning)["content-type"] if self.content_type_too else set()
        if not self.policy.upgrade:
            correct = correct | {meaning.term.identifier}
        return correct

    def _vocab_attributes(self, meaning: Meaning) -> dict[str, str]:
        """The profile's form: vocab, vocab-identifier, vocab-term, the term URI (and content-type)."""
        attributes = self.profile.identity(meaning.vocabulary, meaning.term)
        if self.content_type_too:
            attributes["content-type"] = self._term_uri(meaning)
        if declares(self.version, self.name, "degree-contribution"):
            existing, form, degree = self.a.existing.degree, self._degree_form(meaning), self._degree(meaning)
            value = form.replacement if form is not None else existing or (degree.value if degree else None)
            if value is not None:
                attributes["degree-contribution"] = value
        return attributes

    def _what_is_wrong(self, name: str, value: str, meaning: Meaning) -> str:
        current = self._vocab_attributes(meaning)[name]
        writers = profiles_writing(meaning.vocabulary, meaning.term, name, value, self.profile)
        if writers:
            listed = " and ".join([", ".join(writers[:-1]), writers[-1]] if len(writers) > 1 else writers)
            plural = "profiles write" if len(writers) > 1 else "profile writes"
            return f"the form the {listed} {plural}; the {self.profile.name} profile writes {current!r}"
        if name == "vocab-identifier" and self.a.existing.vocab_identifier is not None:
            named = self.a.existing.vocab_identifier
            if named.term is None and value.strip() != current and value.strip().rstrip("/") != current.rstrip("/"):
                return f"a deprecated address of the vocabulary; the current one is {current}"
        return what_is_wrong(name, value, current, meaning.vocabulary, meaning.term)

    def _degree_form(self, meaning: Meaning) -> DegreeForm | None:
        """A degree-contribution in a form that can be put right (only for vocabularies with degrees)."""
        if not meaning.vocabulary.takes_degree or not declares(self.version, self.name, "degree-contribution"):
            return None
        return degree_form(self.a.existing.degree, self._degree(meaning))

    def _stale_vocab_attributes(self, meaning: Meaning) -> dict[str, str]:
        """Vocab attributes present in another form than the profile's (or one it accepts, unless
        upgrading). (Values naming another vocabulary or term never get here: they are conflicts.)"""
        correct = self._correct(meaning)
        return {name: value for name, value in self.a.existing.attributes.items() if value not in correct[name]}

    def _group_upgrade(self, meaning: Meaning) -> tuple[str | None, Edit | None]:
        """An older vocab / vocab-identifier on the keyword's group: its description, and the
        edit of the group that --upgrade makes."""
        e = self.a.existing
        group = self.a.target.group
        if group is None or "vocab" in e.attributes or "vocab-identifier" in e.attributes or not e.inherited:
            return None, None
        if self._vocabulary_state(e.inherited, e.inherited_vocab_identifier, meaning) != "older":
            return None, None
        found = ", ".join(f'{k}="{v}"' for k, v in e.inherited.items()) + f" on its <{self._group_name()}>"
        identity = self.profile.identity(meaning.vocabulary, meaning.term)
        current = {"vocab": identity["vocab"], "vocab-identifier": identity["vocab-identifier"]}
        return found, Edit(group, str(group.tag), current)

    def _degree(self, meaning: Meaning) -> Degree | None:
        """The degree the text gives, when the meaning's vocabulary has degrees."""
        q = self.a.qualifier
        return q.degree if q is not None and meaning.vocabulary.takes_degree else None

    def _degree_note(self, meaning: Meaning) -> str | None:
        q = self.a.qualifier
        existing = self.a.existing.degree
        if q is None:
            unknown = existing is not None and existing.strip().casefold() not in DEGREES
            if unknown and meaning.vocabulary.takes_degree and self._degree_form(meaning) is None:
                return f'degree-contribution="{existing}" is none of {", ".join(DEGREES)}; left as it is'
            return None
        if not meaning.vocabulary.takes_degree:
            return (
                f"{q.written!r} gives a degree, but {meaning.vocabulary.name}:{meaning.term.label} takes none: "
                "no degree-contribution written"
            )
        if q.degree is None:
            listed = "/".join(d.value for d in q.degrees)
            return f"several degrees given ({listed}): no degree-contribution written"
        if not declares(self.version, self.name, "degree-contribution"):
            shown = str(self.version) if self.version else "unknown"
            return f"degree {q.degree.value}: JATS {shown} has no degree-contribution"
        if existing is not None and existing.strip().casefold() != q.degree.value and not self._degree_form(meaning):
            return f'the text says {q.degree.value} but degree-contribution="{existing}"; left as it is'
        return None

    def _result(self, outcome: Outcome, meaning: Meaning | None = None, **fields: object) -> Decision:
        if meaning is not None and meaning.score is not None:
            accepted = (
                f"near miss {meaning.matched_label!r} accepted: score {meaning.score:g} >= {self.policy.accept_fuzzy:g}"
            )
            fields["note"] = join_notes(accepted, fields.get("note"))  # type: ignore[arg-type]
        return Decision(
            analysis=self.a,
            outcome=outcome,
            meaning=meaning,
            degree=self._degree(meaning) if meaning is not None else None,
            **fields,  # type: ignore[arg-type]
        )
