// In Lucene's package, as Elasticsearch's MapperQueryParser is: handleBareFuzzy is package-private.
package org.apache.lucene.queryparser.classic;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.ConstantScoreQuery;
import org.apache.lucene.search.DisjunctionMaxQuery;
import org.apache.lucene.search.FuzzyQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.MultiTermQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TermRangeQuery;
import org.apache.lucene.util.Version;

/**
 * Lucene 4.10's classic QueryParser configured and overridden the way Elasticsearch 1.x's
 * query_string query (MapperQueryParser + QueryParserSettings defaults) builds queries.
 *
 * Only what changes which documents match is reproduced; docs/semantics.md lists each item
 * with its source. Field names are "mapped" when some document or the profile has them;
 * patterns with '*' in a field name expand over those names.
 */
public final class EsQueryParser extends QueryParser {
    /** The field ES 1.x records every present field name in (FieldNamesFieldMapper). */
    public static final String FIELD_NAMES = "_field_names";
    private static final int FUZZY_MAX_EXPANSIONS = 50;

    private final Function<String, List<String>> expandFields;

    public EsQueryParser(Version version, String defaultField, Analyzer analyzer,
                         Function<String, List<String>> expandFields) {
        super(version, defaultField, analyzer);
        this.expandFields = expandFields;
        setDefaultOperator(OR_OPERATOR);
        setAllowLeadingWildcard(true);
        setLowercaseExpandedTerms(true);
        setAutoGeneratePhraseQueries(false);
        setEnablePositionIncrements(true);
        setFuzzyMinSim(FuzzyQuery.defaultMinSimilarity);
        setFuzzyPrefixLength(FuzzyQuery.defaultPrefixLength);
        setPhraseSlop(0);
        setLocale(Locale.ROOT);
        setMultiTermRewriteMethod(MultiTermQuery.CONSTANT_SCORE_AUTO_REWRITE_DEFAULT);
    }

    /** ES: a blank query string matches nothing; a pure-negative top level gets a match-all. */
    @Override
    public Query parse(String query) throws ParseException {
        if (query.trim().isEmpty()) {
            return new BooleanQuery();
        }
        Query parsed = super.parse(query);
        return parsed == null ? new BooleanQuery() : fixNegative(parsed);
    }

    /** ES Queries.fixNegativeQueryIfNeeded: a BooleanQuery of only MUST_NOT clauses gets +*:*. */
    public static Query fixNegative(Query query) {
        if (!(query instanceof BooleanQuery)) {
            return query;
        }
        BooleanQuery bool = (BooleanQuery) query;
        if (bool.clauses().isEmpty()) {
            return query;
        }
        for (BooleanClause clause : bool.clauses()) {
            if (!clause.isProhibited()) {
                return query;
            }
        }
        BooleanQuery fixed = bool.clone();
        fixed.add(new MatchAllDocsQuery(), BooleanClause.Occur.MUST);
        return fixed;
    }

    /** ES 1.x applies the negative fix to every boolean the parser builds, nested ones too. */
    @Override
    protected Query getBooleanQuery(List<BooleanClause> clauses, boolean disableCoord) throws ParseException {
        Query query = super.getBooleanQuery(clauses, disableCoord);
        return query == null ? null : fixNegative(query);
    }

    /** _exists_:pattern: the documents that have a value in a field matching the pattern. */
    public static Query exists(List<String> fields) {
        if (fields.isEmpty()) {
            return new ConstantScoreQuery(new BooleanQuery());
        }
        if (fields.size() == 1) {
            return new ConstantScoreQuery(new TermQuery(new Term(FIELD_NAMES, fields.get(0))));
        }
        BooleanQuery any = new BooleanQuery();
        for (String field : fields) {
            any.add(new TermQuery(new Term(FIELD_NAMES, field)), BooleanClause.Occur.SHOULD);
        }
        return new ConstantScoreQuery(any);
    }

    /** _missing_:pattern: the complement of _exists_ (ES MissingFilterParser, existence=true). */
    public static Query missing(List<String> fields) {
        BooleanQuery none = new BooleanQuery();
        none.add(new MatchAllDocsQuery(), BooleanClause.Occur.MUST);
        if (!fields.isEmpty()) {
            none.add(exists(fields), BooleanClause.Occur.MUST_NOT);
        }
        return new ConstantScoreQuery(none);
    }

    /** One query per field the (possibly patterned) name expands to, or-ed as ES's dis_max. */
    private interface PerField {
        Query build(String field) throws ParseException;
    }

    private Query overFields(String field, PerField single) throws ParseException {
        List<String> fields = expandFields.apply(field);
        if (fields.size() == 1) {
            return single.build(fields.get(0));
        }
        List<Query> queries = new ArrayList<>();
        for (String name : fields) {
            Query query = single.build(name);
            if (query != null) {
                queries.add(query);
            }
        }
        return queries.isEmpty() ? null : new DisjunctionMaxQuery(queries, 0.0f);
    }

    @Override
    protected Query getFieldQuery(String field, String queryText, boolean quoted) throws ParseException {
        if (field.equals("_exists_")) {
            return exists(expandFields.apply(queryText));
        }
        if (field.equals("_missing_")) {
            return missing(expandFields.apply(queryText));
        }
        return overFields(field, name -> fieldQuerySingle(name, queryText, quoted));
    }

    /** ES 1.x: an unquoted text starting with > >= < <= is a one-sided range. */
    private Query fieldQuerySingle(String field, String text, boolean quoted) throws ParseException {
        if (!quoted && text.length() > 1) {
            if (text.charAt(0) == '>') {
                if (text.length() > 2 && text.charAt(1) == '=') {
                    return rangeSingle(field, text.substring(2), null, true, true);
                }
                return rangeSingle(field, text.substring(1), null, false, true);
            }
            if (text.charAt(0) == '<') {
                if (text.length() > 2 && text.charAt(1) == '=') {
                    return rangeSingle(field, null, text.substring(2), true, true);
                }
                return rangeSingle(field, null, text.substring(1), true, false);
            }
        }
        return super.getFieldQuery(field, text, quoted);
    }

    @Override
    protected Query getFieldQuery(String field, String queryText, int slop) throws ParseException {
        return overFields(field, name -> super.getFieldQuery(name, queryText, slop));
    }

    /** ES: '*' as either end is open, quoted or not; string bounds are lower-cased, not analyzed. */
    @Override
    protected Query getRangeQuery(String field, String part1, String part2, boolean startInclusive,
                                  boolean endInclusive) throws ParseException {
        String lower = "*".equals(part1) ? null : part1;
        String upper = "*".equals(part2) ? null : part2;
        return overFields(field, name -> rangeSingle(name, lower, upper, startInclusive, endInclusive));
    }

    private Query rangeSingle(String field, String lower, String upper, boolean startInclusive, boolean endInclusive) {
        return TermRangeQuery.newStringRange(field, lowercase(lower), lowercase(upper), startInclusive, endInclusive);
    }

    private String lowercase(String text) {
        return text == null || !getLowercaseExpandedTerms() ? text : text.toLowerCase(getLocale());
    }

    /** ES keeps the fuzzy suffix as text: foo~ is 2 edits, foo~0.5 by length, foo~1.5 is 1 edit. */
    @Override
    Query handleBareFuzzy(String field, Token fuzzySlop, String termImage) throws ParseException {
        String similarity = fuzzySlop.image.length() == 1
                ? Float.toString(getFuzzyMinSim()) : fuzzySlop.image.substring(1);
        String term = lowercase(termImage);
        float minSimilarity = Float.parseFloat(similarity);
        return overFields(field, name -> {
            int edits = FuzzyQuery.floatToEdits(minSimilarity, term.codePointCount(0, term.length()));
            // ES 1.x turns transpositions off for query_string fuzzy terms.
            return new FuzzyQuery(new Term(name, term), edits, getFuzzyPrefixLength(), FUZZY_MAX_EXPANSIONS, false);
        });
    }

    @Override
    protected Query getPrefixQuery(String field, String termStr) throws ParseException {
        String term = lowercase(termStr);
        return overFields(field, name -> super.getPrefixQuery(name, term));
    }

    /** ES: * alone on the default field (or *:*) matches all; on another field it is a wildcard. */
    @Override
    protected Query getWildcardQuery(String field, String termStr) throws ParseException {
        if (termStr.equals("*") && (field.equals("*") || field.equals(this.field))) {
            if (field.equals("*") || field.equals("_all")) {
                return newMatchAllDocsQuery();
            }
            return exists(expandFields.apply(field));
        }
        String term = lowercase(termStr);
        return overFields(field, name -> super.getWildcardQuery(name, term));
    }

    @Override
    protected Query getRegexpQuery(String field, String termStr) throws ParseException {
        String term = lowercase(termStr);
        return overFields(field, name -> super.getRegexpQuery(name, term));
    }
}
