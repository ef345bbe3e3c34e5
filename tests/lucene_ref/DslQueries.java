package referee;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;
import org.apache.lucene.index.Term;
import org.apache.lucene.queries.TermsFilter;
import org.apache.lucene.queryparser.classic.EsQueryParser;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.ConstantScoreQuery;
import org.apache.lucene.search.FuzzyQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.PhraseQuery;
import org.apache.lucene.search.PrefixQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.RegexpQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TermRangeQuery;
import org.apache.lucene.search.WildcardQuery;
import org.apache.lucene.util.automaton.RegExp;

/**
 * Builds from Elasticsearch 7/8 Query DSL JSON the Lucene queries Elasticsearch builds, so a
 * translated query can be run by real Lucene: match and match_phrase analyze with the field's
 * analyzer; term, terms, wildcard, prefix, regexp, range and fuzzy use the value unanalyzed.
 * query_string is refused on purpose: the translation must not lean on Lucene syntax.
 */
final class DslQueries {
    private final Analyzer analyzer;
    private final Function<String, List<String>> expandFields;

    DslQueries(Analyzer analyzer, Function<String, List<String>> expandFields) {
        this.analyzer = analyzer;
        this.expandFields = expandFields;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object json, String where) {
        if (!(json instanceof Map)) {
            throw new IllegalArgumentException(where + ": expected an object");
        }
        return (Map<String, Object>) json;
    }

    /** A query object holds exactly one key, the query type. */
    Query build(Object json) throws IOException {
        Map<String, Object> query = object(json, "query");
        if (query.size() != 1) {
            throw new IllegalArgumentException("a query object has one key, got " + query.keySet());
        }
        Map.Entry<String, Object> entry = query.entrySet().iterator().next();
        Object body = entry.getValue();
        switch (entry.getKey()) {
            case "match_all": return new MatchAllDocsQuery();
            case "match_none": return new BooleanQuery();
            case "bool": return bool(checked(object(body, "bool"), "bool",
                    "must", "should", "must_not", "filter", "minimum_should_match"));
            case "constant_score": return new ConstantScoreQuery(
                    build(checked(object(body, "constant_score"), "constant_score", "filter").get("filter")));
            case "match": return match(object(body, "match"));
            case "match_phrase": return matchPhrase(object(body, "match_phrase"));
            case "term": return term(object(body, "term"));
            case "terms": return terms(object(body, "terms"));
            case "wildcard": return new WildcardQuery(fieldTerm(object(body, "wildcard"), "wildcard", "value", "wildcard"));
            case "prefix": return new PrefixQuery(fieldTerm(object(body, "prefix"), "prefix", "value"));
            case "regexp": return regexp(object(body, "regexp"));
            case "range": return range(object(body, "range"));
            case "exists": return EsQueryParser.exists(
                    expandFields.apply((String) checked(object(body, "exists"), "exists", "field").get("field")));
            case "fuzzy": return fuzzy(object(body, "fuzzy"));
            case "query_string":
                throw new IllegalArgumentException("query_string is not allowed in a translated query");
            default:
                throw new IllegalArgumentException("unsupported query type: " + entry.getKey());
        }
    }

    @SuppressWarnings("unchecked")
    private List<Object> clauses(Map<String, Object> bool, String occur) {
        Object raw = bool.get(occur);
        if (raw == null) {
            return List.of();
        }
        if (raw instanceof List) {
            return (List<Object>) raw;
        }
        return List.of(raw);
    }

    /**
     * ES bool: with no must/filter, at least one should must match (unless minimum_should_match
     * says otherwise); with must/filter, should clauses are optional; only must_not matches all-but.
     */
    private Query bool(Map<String, Object> body) throws IOException {
        BooleanQuery bool = new BooleanQuery(true);
        for (Object clause : clauses(body, "must")) {
            bool.add(build(clause), BooleanClause.Occur.MUST);
        }
        for (Object clause : clauses(body, "filter")) {
            bool.add(build(clause), BooleanClause.Occur.MUST);
        }
        List<Object> should = clauses(body, "should");
        for (Object clause : should) {
            bool.add(build(clause), BooleanClause.Occur.SHOULD);
        }
        for (Object clause : clauses(body, "must_not")) {
            bool.add(build(clause), BooleanClause.Occur.MUST_NOT);
        }
        boolean required = !clauses(body, "must").isEmpty() || !clauses(body, "filter").isEmpty();
        Object msm = body.get("minimum_should_match");
        if (msm != null) {
            bool.setMinimumNumberShouldMatch(Integer.parseInt(msm.toString()));
        } else if (!should.isEmpty() && !required) {
            bool.setMinimumNumberShouldMatch(1);
        }
        if (bool.clauses().isEmpty()) {
            return new MatchAllDocsQuery();
        }
        return EsQueryParser.fixNegative(bool);
    }

    /** Options every query accepts and that never change which documents match. */
    private static final Set<String> NEUTRAL = Set.of("boost", "_name", "rewrite");

    /**
     * Refuses options this builder does not model (case_insensitive, format, analyzer, ...):
     * ignoring one would build a different query than Elasticsearch and hide a translation bug.
     */
    private static Map<String, Object> checked(Map<String, Object> body, String where, String... allowed) {
        Set<String> known = new HashSet<>(Arrays.asList(allowed));
        for (String key : body.keySet()) {
            if (!known.contains(key) && !NEUTRAL.contains(key)) {
                throw new IllegalArgumentException(where + ": unsupported option [" + key + "]");
            }
        }
        return body;
    }

    /** A leaf's options: a bare value has none; an object may hold only the allowed keys. */
    private static Object options(Object spec, String where, String... allowed) {
        if (spec instanceof Map) {
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) spec;
            checked(map, where, allowed);
        }
        return spec;
    }

    /** The single field of a leaf query and its body (a bare value or an object of options). */
    private static Map.Entry<String, Object> single(Map<String, Object> body) {
        Map.Entry<String, Object> field = null;
        for (Map.Entry<String, Object> entry : body.entrySet()) {
            if (entry.getKey().equals("boost") || entry.getKey().equals("_name")) {
                continue;
            }
            if (field != null) {
                throw new IllegalArgumentException("a leaf query names one field, got " + body.keySet());
            }
            field = entry;
        }
        if (field == null) {
            throw new IllegalArgumentException("a leaf query needs a field");
        }
        return field;
    }

    private static Object option(Object spec, String name, Object fallback) {
        if (spec instanceof Map) {
            Object value = ((Map<?, ?>) spec).get(name);
            return value == null ? fallback : value;
        }
        return fallback;
    }

    private static String value(Object spec, String... keys) {
        if (!(spec instanceof Map)) {
            return spec.toString();
        }
        for (String key : keys) {
            Object value = ((Map<?, ?>) spec).get(key);
            if (value != null) {
                return value.toString();
            }
        }
        throw new IllegalArgumentException("missing " + String.join(" or ", keys));
    }

    private static Term fieldTerm(Map<String, Object> body, String where, String... keys) {
        Map.Entry<String, Object> field = single(body);
        return new Term(field.getKey(), value(options(field.getValue(), where, keys), keys));
    }

    /** regexp with ES's flags names ("ALL" by default; "INTERSECTION|COMPLEMENT", ...). */
    private static Query regexp(Map<String, Object> body) {
        Map.Entry<String, Object> field = single(body);
        Object spec = options(field.getValue(), "regexp", "value", "flags", "max_determinized_states");
        int flags = RegExp.ALL;
        Object names = option(spec, "flags", null);
        if (names != null) {
            flags = RegExp.NONE;
            for (String name : names.toString().split("\\|")) {
                switch (name.trim().toUpperCase(java.util.Locale.ROOT)) {
                    case "ALL": flags |= RegExp.ALL; break;
                    case "ANYSTRING": flags |= RegExp.ANYSTRING; break;
                    case "COMPLEMENT": flags |= RegExp.COMPLEMENT; break;
                    case "EMPTY": flags |= RegExp.EMPTY; break;
                    case "INTERSECTION": flags |= RegExp.INTERSECTION; break;
                    case "INTERVAL": flags |= RegExp.INTERVAL; break;
                    case "NONE": break;
                    default: throw new IllegalArgumentException("regexp: unknown flag [" + name + "]");
                }
            }
        }
        return new RegexpQuery(new Term(field.getKey(), value(spec, "value")), flags);
    }

    /** Tokens of a text through the field's analyzer, with absolute positions. */
    private List<Object[]> analyze(String field, String text) throws IOException {
        List<Object[]> tokens = new ArrayList<>();
        try (TokenStream stream = analyzer.tokenStream(field, text)) {
            CharTermAttribute term = stream.addAttribute(CharTermAttribute.class);
            PositionIncrementAttribute increment = stream.addAttribute(PositionIncrementAttribute.class);
            stream.reset();
            int position = -1;
            while (stream.incrementToken()) {
                position += increment.getPositionIncrement();
                tokens.add(new Object[]{term.toString(), position});
            }
            stream.end();
        }
        return tokens;
    }

    private Query match(Map<String, Object> body) throws IOException {
        Map.Entry<String, Object> field = single(body);
        String text = value(options(field.getValue(), "match", "query", "operator"), "query");
        boolean and = "and".equalsIgnoreCase(option(field.getValue(), "operator", "or").toString());
        List<Object[]> tokens = analyze(field.getKey(), text);
        if (tokens.isEmpty()) {
            return new BooleanQuery();
        }
        if (tokens.size() == 1) {
            return new TermQuery(new Term(field.getKey(), (String) tokens.get(0)[0]));
        }
        BooleanQuery bool = new BooleanQuery();
        for (Object[] token : tokens) {
            bool.add(new TermQuery(new Term(field.getKey(), (String) token[0])),
                    and ? BooleanClause.Occur.MUST : BooleanClause.Occur.SHOULD);
        }
        return bool;
    }

    private Query matchPhrase(Map<String, Object> body) throws IOException {
        Map.Entry<String, Object> field = single(body);
        String text = value(options(field.getValue(), "match_phrase", "query", "slop"), "query");
        int slop = Integer.parseInt(option(field.getValue(), "slop", 0).toString());
        List<Object[]> tokens = analyze(field.getKey(), text);
        if (tokens.isEmpty()) {
            return new BooleanQuery();
        }
        if (tokens.size() == 1) {
            return new TermQuery(new Term(field.getKey(), (String) tokens.get(0)[0]));
        }
        PhraseQuery phrase = new PhraseQuery();
        phrase.setSlop(slop);
        for (Object[] token : tokens) {
            phrase.add(new Term(field.getKey(), (String) token[0]), (Integer) token[1]);
        }
        return phrase;
    }

    private Query term(Map<String, Object> body) {
        return new TermQuery(fieldTerm(body, "term", "value"));
    }

    private Query terms(Map<String, Object> body) {
        Map.Entry<String, Object> field = single(body);
        if (!(field.getValue() instanceof List)) {
            throw new IllegalArgumentException("terms: expected a list of values");
        }
        List<Term> terms = new ArrayList<>();
        for (Object value : (List<?>) field.getValue()) {
            terms.add(new Term(field.getKey(), value.toString()));
        }
        // a term set, as ES's terms query: no boolean clause limit
        return new ConstantScoreQuery(new TermsFilter(terms));
    }

    private Query range(Map<String, Object> body) {
        Map.Entry<String, Object> field = single(body);
        Map<String, Object> bounds = checked(object(field.getValue(), "range"), "range", "gt", "gte", "lt", "lte");
        String lower = null;
        String upper = null;
        boolean includeLower = true;
        boolean includeUpper = true;
        if (bounds.get("gte") != null) {
            lower = bounds.get("gte").toString();
        } else if (bounds.get("gt") != null) {
            lower = bounds.get("gt").toString();
            includeLower = false;
        }
        if (bounds.get("lte") != null) {
            upper = bounds.get("lte").toString();
        } else if (bounds.get("lt") != null) {
            upper = bounds.get("lt").toString();
            includeUpper = false;
        }
        return TermRangeQuery.newStringRange(field.getKey(), lower, upper, includeLower, includeUpper);
    }

    /** ES 7/8 fuzzy: fuzziness AUTO (0 edits up to 2 chars, 1 up to 5, else 2), transpositions on. */
    private Query fuzzy(Map<String, Object> body) {
        Map.Entry<String, Object> field = single(body);
        String text = value(options(field.getValue(), "fuzzy",
                "value", "fuzziness", "prefix_length", "max_expansions", "transpositions"), "value");
        String fuzziness = option(field.getValue(), "fuzziness", "AUTO").toString();
        int length = text.codePointCount(0, text.length());
        int edits;
        if (fuzziness.equalsIgnoreCase("AUTO")) {
            edits = length <= 2 ? 0 : length <= 5 ? 1 : 2;
        } else {
            edits = FuzzyQuery.floatToEdits(Float.parseFloat(fuzziness), length);
        }
        int prefix = Integer.parseInt(option(field.getValue(), "prefix_length", 0).toString());
        int expansions = Integer.parseInt(option(field.getValue(), "max_expansions", 50).toString());
        boolean transpositions = Boolean.parseBoolean(option(field.getValue(), "transpositions", true).toString());
        return new FuzzyQuery(new Term(field.getKey(), text), edits, prefix, expansions, transpositions);
    }
}
