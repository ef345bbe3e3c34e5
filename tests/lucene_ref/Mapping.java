package referee;

import java.io.Reader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.AnalyzerWrapper;
import org.apache.lucene.analysis.core.KeywordTokenizer;
import org.apache.lucene.analysis.core.LowerCaseFilter;
import org.apache.lucene.analysis.core.WhitespaceTokenizer;
import org.apache.lucene.analysis.standard.StandardFilter;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.queryparser.classic.EsQueryParser;
import org.apache.lucene.util.Version;

/**
 * A fingerlog field mapping profile (sent by the Python client) turned into Lucene analyzers.
 *
 * TEXT fields get Elasticsearch 1.x's "standard" analyzer: StandardTokenizer, StandardFilter,
 * LowerCaseFilter and no stop words (ES 1.0 emptied its default stop list). KEYWORD fields
 * (and the not-analyzed sub-fields such as message.raw) are one untokenized term.
 */
final class Mapping {
    static final Version LUCENE = Version.LUCENE_4_10_4;
    static final String ALL = "_all";
    static final String FIELD_NAMES = EsQueryParser.FIELD_NAMES;

    /** How the parser analyzes text: as the index does, or split on whitespace only. */
    enum Analysis { MAPPING, WHITESPACE }

    private final Map<String, Map<String, Object>> fields;
    private final Map<String, Object> fallback;
    final String defaultField;
    final int positionGap;
    final int maxTokenLength;
    /** Whether documents get an _all field (the OpenStack cluster disabled it). */
    final boolean allField;

    @SuppressWarnings("unchecked")
    Mapping(Map<String, Object> json) {
        this.fields = new LinkedHashMap<>();
        Map<String, Object> declared = (Map<String, Object>) json.getOrDefault("fields", Map.of());
        for (Map.Entry<String, Object> entry : declared.entrySet()) {
            fields.put(entry.getKey(), (Map<String, Object>) entry.getValue());
        }
        this.fallback = (Map<String, Object>) json.getOrDefault("default", Map.of("kind", "text"));
        this.defaultField = (String) json.getOrDefault("default_field", ALL);
        this.positionGap = ((Number) json.getOrDefault("position_increment_gap", 0L)).intValue();
        this.maxTokenLength = ((Number) json.getOrDefault("max_token_length", 255L)).intValue();
        this.allField = (Boolean) json.getOrDefault("all_field", Boolean.TRUE);
    }

    private Map<String, Object> spec(String field) {
        return fields.getOrDefault(field, fallback);
    }

    /** The not-analyzed copy of a field ("message.raw"), or null. */
    String keywordSubfield(String field) {
        Object sub = spec(field).get("keyword_subfield");
        return sub == null ? null : field + "." + sub;
    }

    /** Whether a field name is analyzed text (the _all field always is). */
    boolean isText(String field) {
        if (field.equals(ALL)) {
            return true;
        }
        if (field.equals(FIELD_NAMES) || isSubfield(field)) {
            return false;
        }
        return "text".equals(spec(field).get("kind"));
    }

    private boolean isSubfield(String field) {
        int dot = field.lastIndexOf('.');
        if (dot <= 0 || fields.containsKey(field)) {
            return false;
        }
        String parent = field.substring(0, dot);
        return field.equals(keywordSubfield(parent));
    }

    /** Field names the profile declares, with their sub-fields (for field-name patterns). */
    List<String> declaredFields() {
        List<String> names = new ArrayList<>();
        for (String name : fields.keySet()) {
            names.add(name);
            String sub = keywordSubfield(name);
            if (sub != null) {
                names.add(sub);
            }
        }
        return names;
    }

    /** ES 1.x's standard analyzer, built as Lucene 4.10's StandardAnalyzer with an empty stop set. */
    static Analyzer standard(int maxTokenLength, int positionGap) {
        return new Analyzer() {
            @Override
            protected TokenStreamComponents createComponents(String fieldName, Reader reader) {
                StandardTokenizer source = new StandardTokenizer(LUCENE, reader);
                source.setMaxTokenLength(maxTokenLength);
                TokenStream sink = new LowerCaseFilter(LUCENE, new StandardFilter(LUCENE, source));
                return new TokenStreamComponents(source, sink);
            }

            @Override
            public int getPositionIncrementGap(String fieldName) {
                return positionGap;
            }
        };
    }

    private static Analyzer keyword(int positionGap) {
        return new Analyzer() {
            @Override
            protected TokenStreamComponents createComponents(String fieldName, Reader reader) {
                return new TokenStreamComponents(new KeywordTokenizer(reader));
            }

            @Override
            public int getPositionIncrementGap(String fieldName) {
                return positionGap;
            }
        };
    }

    private static Analyzer whitespace() {
        return new Analyzer() {
            @Override
            protected TokenStreamComponents createComponents(String fieldName, Reader reader) {
                return new TokenStreamComponents(new WhitespaceTokenizer(LUCENE, reader));
            }
        };
    }

    /** The per-field analyzer used both to index documents and to analyze query text. */
    Analyzer analyzer(Analysis analysis) {
        Analyzer text = analysis == Analysis.WHITESPACE ? whitespace() : standard(maxTokenLength, positionGap);
        Analyzer keyword = analysis == Analysis.WHITESPACE ? whitespace() : keyword(positionGap);
        return new AnalyzerWrapper(Analyzer.PER_FIELD_REUSE_STRATEGY) {
            @Override
            protected Analyzer getWrappedAnalyzer(String fieldName) {
                return isText(fieldName) ? text : keyword;
            }

            @Override
            public int getPositionIncrementGap(String fieldName) {
                return positionGap;
            }
        };
    }
}
