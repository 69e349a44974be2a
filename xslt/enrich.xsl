<?xml version="1.0" encoding="UTF-8"?>
<!--
  jats-enrich: the XSLT 3.0 engine.

  Writes the vocabulary attributes (vocab, vocab-identifier, vocab-term, vocab-term-identifier,
  degree-contribution, and content-type for older JATS) onto the elements the matcher decided to
  enrich. Everything else is copied unchanged.

  Input
    The article, and the parameter $decisions: a JSON object whose keys say which elements to
    change, by their position among the elements that can carry an identity (role, kwd,
    compound-kwd, nested-kwd, subject, compound-subject, kwd-group, subj-group) in document
    order, counting from 1, and whose values say what to do with each:

      { "7":
          { "set":    { "vocab": "credit", "vocab-term": "Methodology", ... },
            "remove": [ "content-type" ] } }

    Matching and deciding happen before the stylesheet runs (the same for both engines, so
    that both write the same thing); the stylesheet writes.

    The position is counted in one pass, by the accumulator je:index. (Keys were fn:path() up
    to jats-enrich 0.10: fn:path() on every element counts the preceding siblings of all its
    ancestors again, quadratic in their number: 40,000 roles took minutes.) An importing
    stylesheet whose mode leaves the accumulator out still works: the position is then counted
    element by element (slowly).

    The parameter $insertions (the add_roles option) says which <role> elements to add to
    which contributors, by the contributor's position among all <contrib> elements in document
    order, counting from 1 (the accumulator je:contrib):

      { "3": [ { "set": { "vocab": "credit", ... }, "text": "Conceptualization" } ] }

    Each new role is written at the end of its contributor, marked je:inserted="3"; jats-enrich
    takes the new roles (attributes and text) from the result and writes them into the original
    file after the contributor's last role or name, with the indentation of its children.

  Extending it
    Import this stylesheet (href="urn:jats-enrich:xslt:enrich.xsl" resolves to it) and
    override the named template je:extra-attributes, which is called inside every element
    being enriched, after its new attributes; $set holds them. For example:

      <xsl:template name="je:extra-attributes">
        <xsl:param name="set" as="map(*)"/>
        <xsl:if test="self::role and exists($set?vocab-term-identifier)">
          <xsl:attribute name="specific-use" select="'credit'"/>
        </xsl:if>
      </xsl:template>

  Only attributes of role, kwd, compound-kwd, nested-kwd, subject, compound-subject,
  kwd-group and subj-group are taken over into the article; jats-enrich writes them into the
  original file's start tags, so the rest of the file stays byte for byte as it was.
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:map="http://www.w3.org/2005/xpath-functions/map"
    xmlns:je="urn:jats-enrich:xslt"
    xmlns:err="http://www.w3.org/2005/xqt-errors"
    exclude-result-prefixes="#all">

  <xsl:param name="decisions" as="xs:string" select="'{}'"/>
  <xsl:param name="insertions" as="xs:string" select="'{}'"/>
  <xsl:variable name="new-roles" as="map(*)" select="parse-json($insertions)"/>

  <!-- position of an element (je:index) -> map with "set" (attribute name -> value) and "remove" (names) -->
  <xsl:variable name="edits" as="map(*)" select="parse-json($decisions)"/>

  <!-- Everything not matched below is copied as it is. -->
  <xsl:mode on-no-match="shallow-copy" use-accumulators="je:index je:contrib"/>

  <!-- The position of each element that can carry an identity among them all, in document
       order (the key of its decision), counted in one pass. -->
  <xsl:accumulator name="je:index" as="xs:integer" initial-value="0">
    <xsl:accumulator-rule select="$value + 1"
        match="role | kwd | compound-kwd | nested-kwd | subject | compound-subject | kwd-group | subj-group"/>
  </xsl:accumulator>

  <!-- The position of each contributor among them all, in document order. -->
  <xsl:accumulator name="je:contrib" as="xs:integer" initial-value="0">
    <xsl:accumulator-rule select="$value + 1" match="contrib"/>
  </xsl:accumulator>

  <!-- A contributor given new roles: copied, the roles added at its end. -->
  <xsl:template match="contrib[map:size($new-roles) gt 0]">
    <xsl:variable name="position" as="xs:string" select="string(accumulator-before('je:contrib'))"/>
    <xsl:variable name="roles" as="array(*)?" select="$new-roles($position)"/>
    <xsl:copy>
      <xsl:apply-templates select="@* | node()"/>
      <xsl:for-each select="$roles?*">
        <xsl:variable name="set" as="map(*)" select="?set"/>
        <role je:inserted="{$position}">
          <xsl:for-each select="map:keys($set)">
            <xsl:attribute name="{.}" select="$set(current())"/>
          </xsl:for-each>
          <xsl:value-of select="?text"/>
        </role>
      </xsl:for-each>
    </xsl:copy>
  </xsl:template>

  <!-- The elements that can carry a vocabulary identity. Only those with an edit change. -->
  <xsl:template match="role | kwd | compound-kwd | nested-kwd | subject | compound-subject
                       | kwd-group | subj-group">
    <xsl:variable name="edit" as="map(*)?"
        select="if (map:size($edits) eq 0) then () else $edits(string(je:index(.)))"/>
    <xsl:choose>
      <xsl:when test="exists($edit)">
        <xsl:copy>
          <xsl:variable name="set" as="map(*)" select="($edit?set, map{})[1]"/>
          <xsl:variable name="remove" as="xs:string*" select="$edit?remove?*"/>
          <!-- Existing attributes, less the removed ones; a new value of the same name below
               replaces the old one. -->
          <xsl:apply-templates select="@*[not(name() = $remove)]"/>
          <xsl:for-each select="map:keys($set)">
            <xsl:attribute name="{.}" select="$set(current())"/>
          </xsl:for-each>
          <xsl:call-template name="je:extra-attributes">
            <xsl:with-param name="set" select="$set"/>
          </xsl:call-template>
          <xsl:apply-templates select="node()"/>
        </xsl:copy>
      </xsl:when>
      <xsl:otherwise>
        <xsl:next-match/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- The position of an element among the elements that can carry an identity, in document
       order: from the accumulator; counted (slowly) if a mode of an importing stylesheet made
       the accumulator inapplicable. -->
  <xsl:function name="je:index" as="xs:integer">
    <xsl:param name="element" as="element()"/>
    <xsl:try select="$element/accumulator-before('je:index')">
      <xsl:catch errors="err:XTDE3362" select="$element/count((preceding::* | ancestor-or-self::*)
          [self::role | self::kwd | self::compound-kwd | self::nested-kwd | self::subject
           | self::compound-subject | self::kwd-group | self::subj-group])"/>
    </xsl:try>
  </xsl:function>

  <!-- Hook for importing stylesheets: more attributes on an element being enriched. -->
  <xsl:template name="je:extra-attributes">
    <xsl:param name="set" as="map(*)"/>
  </xsl:template>

</xsl:stylesheet>
