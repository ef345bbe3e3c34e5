package referee;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;
import org.apache.lucene.queryparser.classic.EsQueryParser;
import org.apache.lucene.queryparser.classic.ParseException;
import org.apache.lucene.search.Query;

/**
 * The Lucene 4.10 referee: one JVM per test session answering JSON-lines requests on stdin.
 *
 * Each request is one object with "op" (tokens, parse, match, match_dsl) and batched inputs;
 * each answer is one line: {"result": [...]} or {"fatal": message} when the request itself
 * was malformed. Per-query failures (a ParseException, a bad DSL object) are answered in
 * place as {"error": message} so one bad query does not hide the others.
 */
public final class Referee {
    private Referee() {
    }

    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            Object answer;
            try {
                answer = Map.of("result", handle(object(Json.parse(line))));
            } catch (RuntimeException | IOException e) {
                answer = Map.of("fatal", String.valueOf(e));
            }
            out.write(Json.write(answer));
            out.newLine();
            out.flush();
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object json) {
        return (Map<String, Object>) json;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object json) {
        return (List<Object>) json;
    }

    private static Object handle(Map<String, Object> request) throws IOException {
        String op = (String) request.get("op");
        switch (op) {
            case "tokens": return tokens(request);
            case "parse": return parse(request);
            case "match": return match(request, false);
            case "match_dsl": return match(request, true);
            default: throw new IllegalArgumentException("unknown op " + op);
        }
    }

    private static List<Object> tokens(Map<String, Object> request) throws IOException {
        int maxTokenLength = ((Number) request.getOrDefault("max_token_length", 255L)).intValue();
        Analyzer analyzer = Mapping.standard(maxTokenLength, 0);
        List<Object> result = new ArrayList<>();
        for (Object text : list(request.get("texts"))) {
            List<Object> tokens = new ArrayList<>();
            try (TokenStream stream = analyzer.tokenStream("text", (String) text)) {
                CharTermAttribute term = stream.addAttribute(CharTermAttribute.class);
                PositionIncrementAttribute increment = stream.addAttribute(PositionIncrementAttribute.class);
                stream.reset();
                int position = -1;
                while (stream.incrementToken()) {
                    position += increment.getPositionIncrement();
                    tokens.add(List.of(term.toString(), position));
                }
                stream.end();
            }
            result.add(tokens);
        }
        return result;
    }

    /** ES's simple field-name match: '*' stands for any run of characters; a plain name is itself. */
    private static Function<String, List<String>> fieldExpander(Iterable<String> known) {
        return pattern -> {
            if (!pattern.contains("*")) {
                return List.of(pattern);
            }
            Pattern regex = Pattern.compile(Pattern.quote(pattern).replace("*", "\\E.*\\Q"));
            List<String> names = new ArrayList<>();
            for (String name : known) {
                if (regex.matcher(name).matches()) {
                    names.add(name);
                }
            }
            return names;
        };
    }

    private static EsQueryParser parser(Mapping mapping, Mapping.Analysis analysis, String defaultField,
                                        Iterable<String> known) {
        return new EsQueryParser(Mapping.LUCENE, defaultField, mapping.analyzer(analysis), fieldExpander(known));
    }

    private static Map<String, Object> error(Throwable e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        return Map.of("error", message);
    }

    private static List<Object> parse(Map<String, Object> request) {
        Mapping mapping = new Mapping(object(request.get("mapping")));
        Mapping.Analysis analysis = "whitespace".equals(request.get("analysis"))
                ? Mapping.Analysis.WHITESPACE : Mapping.Analysis.MAPPING;
        String defaultField = (String) request.getOrDefault("default_field", mapping.defaultField);
        List<Object> result = new ArrayList<>();
        for (Object text : list(request.get("queries"))) {
            EsQueryParser parser = parser(mapping, analysis, defaultField, mapping.declaredFields());
            try {
                result.add(Map.of("query", parser.parse((String) text).toString()));
            } catch (ParseException | RuntimeException | StackOverflowError e) {
                result.add(error(e));
            }
        }
        return result;
    }

    private static List<Object> match(Map<String, Object> request, boolean dsl) throws IOException {
        Mapping mapping = new Mapping(object(request.get("mapping")));
        String defaultField = (String) request.getOrDefault("default_field", mapping.defaultField);
        List<Object> result = new ArrayList<>();
        try (DocIndex index = new DocIndex(list(request.get("docs")), mapping)) {
            Function<String, List<String>> expand = fieldExpander(index.fieldNames);
            DslQueries builder = new DslQueries(mapping.analyzer(Mapping.Analysis.MAPPING), expand);
            for (Object item : list(request.get("queries"))) {
                try {
                    Query query = dsl
                            ? builder.build(item)
                            : parser(mapping, Mapping.Analysis.MAPPING, defaultField, index.fieldNames).parse((String) item);
                    result.add(Map.of("hits", index.search(query)));
                } catch (ParseException | RuntimeException | StackOverflowError e) {
                    result.add(error(e));
                }
            }
        }
        return result;
    }
}
