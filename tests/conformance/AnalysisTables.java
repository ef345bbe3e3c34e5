import java.io.PrintStream;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.analysis.tokenattributes.OffsetAttribute;
import org.apache.lucene.util.Version;

/**
 * Asks Lucene 4.10's own StandardTokenizer how every code point behaves, so that
 * fingerlog's pure-Python tokenizer can be driven by the exact same character
 * classes (Unicode 6.3 word-break properties as Lucene's JFlex grammar saw them),
 * and records Character.toLowerCase for every code point it changes.
 *
 * Output (stdout, one record a line):
 *   PROBES\t<probe templates joined by \u0001>          (X stands for the probed code point)
 *   SIG\t<token spans of every probe>\t<first-last,first-last,...>
 *   LOWER\t<code point>\t<lower-cased code point>
 * Spans are code-point offsets, so supplementary characters need no special care.
 */
public final class AnalysisTables {
  /** Each template puts the probed character X beside characters of known classes. */
  static final String[] PROBES = {
    "X", "aX", "Xa", "aXa", "1X1", "1X", "X1", "X,1", "\u05D0X", "\u05D0X\u05D0", "\u05D0X1",
    "\u30A2X", "X\u30A2", "\u0E01X", "X\u0E01", "XX", "_X", "X_", "\u4E2DX", "aX1", "X'",
    "XX\u0E01", "X\u0301", "X\u0301a", "\u0E01\u0E31X", "XX\u0E31",
  };

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, false, "UTF-8");
    StandardTokenizer tok = new StandardTokenizer(Version.LUCENE_4_10_4, new StringReader(""));
    OffsetAttribute off = tok.addAttribute(OffsetAttribute.class);
    out.println("PROBES\t" + String.join("\u0001", PROBES));
    Map<String, List<int[]>> bySig = new LinkedHashMap<>();
    for (int cp = 0; cp <= 0x10FFFF; cp++) {
      if (cp >= 0xD800 && cp <= 0xDFFF) continue;
      String x = new String(Character.toChars(cp));
      StringBuilder sig = new StringBuilder();
      for (String probe : PROBES) {
        String s = probe.replace("X", x);
        tok.setReader(new StringReader(s));
        tok.reset();
        while (tok.incrementToken()) {
          int start = s.codePointCount(0, off.startOffset());
          int end = s.codePointCount(0, off.endOffset());
          sig.append(start).append('-').append(end).append(' ');
        }
        tok.end();
        tok.close();
        sig.append('|');
      }
      List<int[]> ranges = bySig.computeIfAbsent(sig.toString(), k -> new ArrayList<>());
      int[] last = ranges.isEmpty() ? null : ranges.get(ranges.size() - 1);
      if (last != null && last[1] == cp - 1) last[1] = cp; else ranges.add(new int[] {cp, cp});
      int lower = Character.toLowerCase(cp);
      if (lower != cp) out.println("LOWER\t" + cp + "\t" + lower);
    }
    for (Map.Entry<String, List<int[]>> e : bySig.entrySet()) {
      StringBuilder rs = new StringBuilder();
      for (int[] r : e.getValue()) rs.append(r[0]).append('-').append(r[1]).append(',');
      out.println("SIG\t" + e.getKey() + "\t" + rs);
    }
    out.flush();
  }
}
