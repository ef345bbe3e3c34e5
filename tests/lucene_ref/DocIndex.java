package referee;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.AtomicReaderContext;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.search.Collector;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.store.RAMDirectory;

/**
 * Documents indexed the way Elasticsearch 1.x indexes a logstash event.
 *
 * Each value of a field is a separate Lucene field instance (so multi-valued fields get the
 * mapping's position gap); a field with a keyword sub-field is also indexed whole under
 * "field.sub"; _all (unless the profile disables it) holds every value of every field in
 * document order, joined by one space (ES 1.x AllEntries); _field_names holds the name of every field the document has, with its
 * dotted parents (ES 1.3+ FieldNamesFieldMapper), which is what _exists_ and _missing_ look up.
 */
final class DocIndex implements AutoCloseable {
    private static final String ORDINAL = "_ordinal";
    private static final FieldType INDEXED = new FieldType(TextField.TYPE_NOT_STORED);

    static {
        INDEXED.setOmitNorms(true);
        INDEXED.freeze();
    }

    private final RAMDirectory directory = new RAMDirectory();
    private final DirectoryReader reader;
    private final IndexSearcher searcher;
    /** Every field name some document has: what ES's mapping knows, for field-name patterns. */
    final Set<String> fieldNames = new LinkedHashSet<>();

    @SuppressWarnings("unchecked")
    DocIndex(List<Object> docs, Mapping mapping) throws IOException {
        fieldNames.addAll(mapping.declaredFields());
        IndexWriterConfig config = new IndexWriterConfig(Mapping.LUCENE, mapping.analyzer(Mapping.Analysis.MAPPING));
        config.setRAMBufferSizeMB(256);
        try (IndexWriter writer = new IndexWriter(directory, config)) {
            for (int i = 0; i < docs.size(); i++) {
                Map<String, Object> doc = (Map<String, Object>) docs.get(i);
                Map<String, Object> fields = (Map<String, Object>) doc.get("fields");
                writer.addDocument(document(i, fields, mapping));
            }
        }
        reader = DirectoryReader.open(directory);
        searcher = new IndexSearcher(reader);
    }

    private Document document(int ordinal, Map<String, Object> fields, Mapping mapping) {
        Document document = new Document();
        document.add(new NumericDocValuesField(ORDINAL, ordinal));
        StringBuilder all = new StringBuilder();
        Set<String> present = new LinkedHashSet<>();
        for (Map.Entry<String, Object> entry : fields.entrySet()) {
            String name = entry.getKey();
            String sub = mapping.keywordSubfield(name);
            for (Object item : values(entry.getValue())) {
                String value = item.toString();
                document.add(new Field(name, value, INDEXED));
                present.add(name);
                if (sub != null) {
                    document.add(new Field(sub, value, INDEXED));
                    present.add(sub);
                }
                if (all.length() > 0) {
                    all.append(' ');
                }
                all.append(value);
            }
        }
        if (mapping.allField) {
            document.add(new Field(Mapping.ALL, all.toString(), INDEXED));
        }
        Set<String> names = new LinkedHashSet<>();
        for (String name : present) {
            for (int dot = name.indexOf('.'); dot > 0; dot = name.indexOf('.', dot + 1)) {
                names.add(name.substring(0, dot));
            }
            names.add(name);
        }
        for (String name : names) {
            document.add(new Field(Mapping.FIELD_NAMES, name, INDEXED));
        }
        fieldNames.addAll(names);
        return document;
    }

    private static List<Object> values(Object raw) {
        if (raw instanceof List) {
            List<Object> out = new ArrayList<>();
            for (Object item : (List<?>) raw) {
                if (item != null) {
                    out.add(item);
                }
            }
            return out;
        }
        return raw == null ? List.of() : List.of(raw);
    }

    /** The ordinals (positions in the request's document list) of the documents a query matches. */
    int[] search(Query query) throws IOException {
        List<Integer> hits = new ArrayList<>();
        searcher.search(query, new Collector() {
            private NumericDocValues ordinals;

            @Override
            public void setScorer(Scorer scorer) {
            }

            @Override
            public void collect(int doc) {
                hits.add((int) ordinals.get(doc));
            }

            @Override
            public void setNextReader(AtomicReaderContext context) throws IOException {
                ordinals = context.reader().getNumericDocValues(ORDINAL);
            }

            @Override
            public boolean acceptsDocsOutOfOrder() {
                return true;
            }
        });
        int[] out = new int[hits.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = hits.get(i);
        }
        Arrays.sort(out);
        return out;
    }

    @Override
    public void close() throws IOException {
        reader.close();
        directory.close();
    }
}
