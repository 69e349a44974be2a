"""Content negotiation: the media type of a response, as a request's Accept header prefers it."""

from __future__ import annotations

from jats_enrich.service.errors import ServiceError


def negotiate(accept: str | None, offers: tuple[str, ...]) -> str:
    """The offer the Accept header prefers (quality values, wildcards; text/xml is XML too); the
    first offer without the header; 406 when it allows none."""
    if not accept or not accept.strip():
        return offers[0]
    ranges: list[tuple[str, float]] = []
    for part in accept.lower().split(","):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            ranges.append((media, quality))

    def quality_of(offer: str) -> float:
        kind = offer.split("/")[0]
        aliases = {offer, "text/xml"} if offer == "application/xml" else {offer}
        for pattern in (aliases, {f"{kind}/*", "text/*" if offer == "application/xml" else ""}, {"*/*"}):
            found = [q for media, q in ranges if media in pattern]
            if found:
                return max(found)
        return 0.0

    best = max(offers, key=lambda offer: (quality_of(offer), -offers.index(offer)))
    if quality_of(best) <= 0:
        raise ServiceError(406, f"Accept: {accept} allows none of {', '.join(offers)}")
    return best
