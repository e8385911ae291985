// What Lucene Monitor does, built from Lucene's own parts (core, analyzers-common, memory):
// the lucene-monitor jar itself is not packaged by Debian. Queries are pre-filtered by their
// terms (an inverted index from query terms to queries, like Monitor's
// TermFilteredPresearcher, with prefixes looked up by the document words' prefixes), then
// each candidate query is run against a MemoryIndex of the document.
//
//   java -cp <jars>:<classes> Bench RULES DOCS WARM
//
// RULES: one rule a line, `id TAB language TAB query` in the prefix notation of
// benchmarks/frequent.py. DOCS: one document a line, `language TAB title TAB body`; the
// first WARM documents warm the JIT up and are not timed. Prints one JSON line.
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.ru.RussianAnalyzer;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.index.memory.MemoryIndex;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.PhraseQuery;
import org.apache.lucene.search.PrefixQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.spans.FieldMaskingSpanQuery;
import org.apache.lucene.search.spans.SpanMultiTermQueryWrapper;
import org.apache.lucene.search.spans.SpanNearQuery;
import org.apache.lucene.search.spans.SpanQuery;
import org.apache.lucene.search.spans.SpanTermQuery;
import org.apache.lucene.util.BytesRef;

public class Bench {
    static final String TEXT = "text";  // stemmed (Snowball Russian, Porter English)
    static final String RAW = "raw";  // lower-cased words, for prefixes

    static final Map<String, Analyzer> STEMMED = Map.of(
        "en", new EnglishAnalyzer(CharArraySet.EMPTY_SET),
        "ru", new RussianAnalyzer(CharArraySet.EMPTY_SET));
    static final Analyzer LOWER = new Analyzer() {
        @Override
        protected TokenStreamComponents createComponents(String field) {
            Tokenizer source = new StandardTokenizer();
            return new TokenStreamComponents(source, new LowerCaseFilter(source));
        }
    };

    /** A parsed query: the Lucene query and the terms the presearcher files it under
     * (null: it cannot be filed, always a candidate). Terms are "t:" + stem or "p:" + prefix. */
    record Parsed(Query query, SpanQuery span, List<String> terms) {}

    static int pos;  // the parser's place in the current rule's tokens

    static List<String> analyse(Analyzer analyzer, String field, String text) throws IOException {
        List<String> out = new ArrayList<>();
        try (TokenStream ts = analyzer.tokenStream(field, text)) {
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            ts.reset();
            while (ts.incrementToken()) {
                out.add(term.toString());
            }
            ts.end();
        }
        return out;
    }

    static List<String> best(List<List<String>> options) {
        // a conjunction is filed under one child's terms: the one whose shortest term is
        // longest (longer terms are rarer), as Monitor's default term weighting prefers
        List<String> chosen = null;
        int weight = -1;
        for (List<String> terms : options) {
            if (terms == null) continue;
            int w = Integer.MAX_VALUE;
            for (String t : terms) w = Math.min(w, t.length());
            if (w > weight) {
                weight = w;
                chosen = terms;
            }
        }
        return chosen;
    }

    static Parsed parse(String[] tokens, Analyzer analyzer) throws IOException {
        String kind = tokens[pos++];
        switch (kind) {
            case "W": {
                List<String> stems = analyse(analyzer, TEXT, tokens[pos++]);
                if (stems.isEmpty()) return new Parsed(new MatchNoDocsQuery(), null, List.of());
                if (stems.size() == 1) {
                    Term t = new Term(TEXT, stems.get(0));
                    return new Parsed(new TermQuery(t), new SpanTermQuery(t), List.of("t:" + stems.get(0)));
                }
                return phrase(stems);
            }
            case "X": {
                PrefixQuery q = new PrefixQuery(new Term(RAW, tokens[pos++].toLowerCase()));
                SpanQuery span = new FieldMaskingSpanQuery(new SpanMultiTermQueryWrapper<>(q), TEXT);
                return new Parsed(q, span, List.of("p:" + q.getPrefix().text()));
            }
            case "P": {
                int n = Integer.parseInt(tokens[pos++]);
                List<String> stems = new ArrayList<>();
                for (int i = 0; i < n; i++) stems.addAll(analyse(analyzer, TEXT, tokens[pos++]));
                return phrase(stems);
            }
            case "N": {
                Parsed child = parse(tokens, analyzer);
                return new Parsed(child.query(), null, null);  // marks a negated clause
            }
            case "R": {
                int slop = Integer.parseInt(tokens[pos++]);
                Parsed a = parse(tokens, analyzer);
                Parsed b = parse(tokens, analyzer);
                SpanQuery near = new SpanNearQuery(new SpanQuery[] {a.span(), b.span()}, slop, false);
                return new Parsed(near, near, best(List.of(a.terms(), b.terms())));
            }
            default: {  // O and A: n children
                int n = Integer.parseInt(tokens[pos++]);
                BooleanQuery.Builder builder = new BooleanQuery.Builder();
                List<List<String>> required = new ArrayList<>();
                List<String> any = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    boolean negated = tokens[pos].equals("N");
                    Parsed child = parse(tokens, analyzer);
                    if (kind.equals("O")) {
                        builder.add(child.query(), Occur.SHOULD);
                        any.addAll(child.terms());
                    } else if (negated) {
                        builder.add(child.query(), Occur.MUST_NOT);
                    } else {
                        builder.add(child.query(), Occur.MUST);
                        required.add(child.terms());
                    }
                }
                return new Parsed(builder.build(), null, kind.equals("O") ? any : best(required));
            }
        }
    }

    static Parsed phrase(List<String> stems) {
        PhraseQuery.Builder builder = new PhraseQuery.Builder();
        SpanQuery[] spans = new SpanQuery[stems.size()];
        for (int i = 0; i < stems.size(); i++) {
            builder.add(new Term(TEXT, stems.get(i)));
            spans[i] = new SpanTermQuery(new Term(TEXT, stems.get(i)));
        }
        String longest = stems.stream().max((a, b) -> a.length() - b.length()).get();
        SpanQuery span = spans.length == 1 ? spans[0] : new SpanNearQuery(spans, 0, true);
        return new Parsed(builder.build(), span, List.of("t:" + longest));
    }

    public static void main(String[] args) throws IOException {
        List<Query> queries = new ArrayList<>();
        Map<String, List<Integer>> filed = new HashMap<>();  // term -> query numbers
        BitSet always = new BitSet();
        TreeSet<Integer> prefixLengths = new TreeSet<>();
        for (String line : Files.readAllLines(Paths.get(args[0]), StandardCharsets.UTF_8)) {
            String[] cols = line.split("\t");
            pos = 0;
            Parsed parsed = parse(cols[2].split(" "), STEMMED.get(cols[1]));
            int number = queries.size();
            queries.add(parsed.query());
            if (parsed.terms() == null) {
                always.set(number);
                continue;
            }
            for (String term : parsed.terms()) {
                filed.computeIfAbsent(term, k -> new ArrayList<>()).add(number);
                if (term.startsWith("p:")) prefixLengths.add(term.length() - 2);
            }
        }
        List<String[]> docs = new ArrayList<>();
        for (String line : Files.readAllLines(Paths.get(args[1]), StandardCharsets.UTF_8)) {
            docs.add(line.split("\t", 3));
        }
        int warm = Integer.parseInt(args[2]);
        for (int i = 0; i < warm; i++) match(docs.get(i), queries, filed, always, prefixLengths);
        com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long wall0 = System.nanoTime();
        long candidates = 0;
        long matches = 0;
        for (int i = warm; i < docs.size(); i++) {
            long[] found = match(docs.get(i), queries, filed, always, prefixLengths);
            candidates += found[0];
            matches += found[1];
        }
        double wall = (System.nanoTime() - wall0) / 1e9;
        double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
        int n = docs.size() - warm;
        System.out.printf(java.util.Locale.ROOT,
            "{\"engine\": \"lucene\", \"rules\": %d, \"docs\": %d, \"docs_per_s\": %.1f, "
            + "\"docs_per_cpu_s\": %.1f, \"candidates_per_doc\": %.1f, \"matches_per_doc\": %.2f, "
            + "\"peak_rss_mb\": %d}%n",
            queries.size(), n, n / wall, n / cpu, (double) candidates / n, (double) matches / n,
            peakRssMb());
    }

    static long[] match(String[] doc, List<Query> queries, Map<String, List<Integer>> filed,
                        BitSet always, TreeSet<Integer> prefixLengths) throws IOException {
        String text = doc[1] + "\n" + doc[2];
        MemoryIndex index = new MemoryIndex();
        index.addField(TEXT, text, STEMMED.get(doc[0]));
        index.addField(RAW, text, LOWER);
        IndexSearcher searcher = index.createSearcher();
        searcher.setQueryCache(null);  // each query runs once per document
        LeafReader reader = (LeafReader) searcher.getIndexReader();
        BitSet candidates = (BitSet) always.clone();
        for (String term : terms(reader, TEXT)) mark(filed.get("t:" + term), candidates);
        if (!prefixLengths.isEmpty()) {
            for (String word : terms(reader, RAW)) {
                for (int n : prefixLengths) {
                    if (n > word.length()) break;
                    mark(filed.get("p:" + word.substring(0, n)), candidates);
                }
            }
        }
        long matched = 0;
        for (int q = candidates.nextSetBit(0); q >= 0; q = candidates.nextSetBit(q + 1)) {
            if (searcher.count(queries.get(q)) > 0) matched++;
        }
        return new long[] {candidates.cardinality(), matched};
    }

    static List<String> terms(LeafReader reader, String field) throws IOException {
        List<String> out = new ArrayList<>();
        Terms terms = reader.terms(field);
        if (terms == null) return out;
        TermsEnum it = terms.iterator();
        for (BytesRef term = it.next(); term != null; term = it.next()) out.add(term.utf8ToString());
        return out;
    }

    static void mark(List<Integer> numbers, BitSet into) {
        if (numbers != null) for (int q : numbers) into.set(q);
    }

    static long peakRssMb() throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        return -1;
    }
}
