<?xml version="1.0" encoding="UTF-8"?>
<!--
  jats-enrich: the XSLT 3.0 engine.

  Writes the vocabulary attributes (vocab, vocab-identifier, vocab-term, vocab-term-identifier,
  degree-contribution, and content-type for older JATS) onto the elements the matcher decided to
  enrich. Everything else is copied unchanged.

  Input
    The article, and the parameter $decisions: a JSON object whose keys are the paths of the
    elements to change, as fn:path() writes them (/Q{}article[1]/Q{}front[1]/...), and whose
    values say what to do with each:

      { "/Q{}article[1]/.../Q{}role[2]":
          { "set":    { "vocab": "credit", "vocab-term": "Methodology", ... },
            "remove": [ "content-type" ] } }

    Matching and deciding happen before the stylesheet runs (the same for both engines, so
    that both write the same thing); the stylesheet writes.

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
    exclude-result-prefixes="#all">

  <xsl:param name="decisions" as="xs:string" select="'{}'"/>

  <!-- path of an element -> map with "set" (attribute name -> value) and "remove" (names) -->
  <xsl:variable name="edits" as="map(*)" select="parse-json($decisions)"/>

  <!-- Everything not matched below is copied as it is. -->
  <xsl:mode on-no-match="shallow-copy"/>

  <!-- The elements that can carry a vocabulary identity. Only those with an edit change. -->
  <xsl:template match="role | kwd | compound-kwd | nested-kwd | subject | compound-subject
                       | kwd-group | subj-group">
    <xsl:variable name="edit" as="map(*)?" select="$edits(path(.))"/>
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

  <!-- Hook for importing stylesheets: more attributes on an element being enriched. -->
  <xsl:template name="je:extra-attributes">
    <xsl:param name="set" as="map(*)"/>
  </xsl:template>

</xsl:stylesheet>
