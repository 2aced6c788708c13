// The Lucene peer of cardex_bench_macro (issue #15): Debian's Lucene 4.10, driven by the
// harness through two files it writes and one line format it reads back.
//
//   java -cp CLASSES:JARS LuceneBench build CARDS.tsv INDEX_DIR THREADS
//   java -cp CLASSES:JARS LuceneBench query INDEX_DIR QUERIES.tsv WARMUP_PASSES
//
// CARDS.tsv, one card a line: id, title, tags, description, body, downloads, task, language,
// license, author. Text is escaped (\\ \t \n \r); a list field joins its values with \u001f.
// QUERIES.tsv, one query a line: class, counts (0/1), phrase (0/1), words (space-separated),
// filters (facet=value joined by \u001f).
//
// Output on stdout, one fact a line, tab-separated, for the harness to parse:
//   build <seconds> <index bytes> <cards>      (build)
//   q <query number> <ms> <total>              (query; the measured pass only)
//   rss <peak resident MB of this JVM>          (both; VmHWM)
//
// The index mirrors cardex's (index/src/document.cpp), not FTS5's columns: one text field
// holding the id, title, tags, description and body, in that order with a position gap of
// 100 between them, each token repeated at its own position as often as cardex's wdf for
// that part (id 8, title 5, tags 3, description 2, body 1), so that BM25's term frequencies
// and document lengths are Xapian's. BM25 with Xapian's defaults (k1 = 1, b = 0.5) and
// overlaps counted in the length, as Xapian counts wdf. Tokens: runs of letters and digits,
// lower-cased (cardex's index::tokenize), stemmed with Snowball English (Xapian's "english").
// Facets: SortedSetDocValuesFacetField for task, language, license, author (lower-cased, as
// the harness's FTS5 facet table); downloads as a NumericDocValuesField for the listings.
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;
import org.apache.lucene.analysis.util.CharTokenizer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.facet.DrillDownQuery;
import org.apache.lucene.facet.DrillSideways;
import org.apache.lucene.facet.Facets;
import org.apache.lucene.facet.FacetsCollector;
import org.apache.lucene.facet.FacetsConfig;
import org.apache.lucene.facet.sortedset.DefaultSortedSetDocValuesReaderState;
import org.apache.lucene.facet.sortedset.SortedSetDocValuesFacetCounts;
import org.apache.lucene.facet.sortedset.SortedSetDocValuesFacetField;
import org.apache.lucene.facet.sortedset.SortedSetDocValuesReaderState;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.PhraseQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.util.Version;
import org.tartarus.snowball.ext.EnglishStemmer;

public final class LuceneBench {
    static final Version V = Version.LUCENE_4_10_4;
    static final String TEXT = "text";
    static final String[] COUNT_FACETS = {"task", "language", "license", "author"};
    // cardex's wdf per part (index/src/document.cpp), in the order cardex indexes them.
    static final int[] PART_WEIGHTS = {8, 5, 3, 2, 1};
    static final int FIELD_GAP = 100;
    static final int MAX_TOKEN = 64;  // cardex's kMaxTokenBytes (counted in chars here)
    static final int HITS = 20;       // the harness's page size
    static final int TOP_VALUES = 10; // values per counted facet

    /** cardex's tokens: runs of letters and digits (and combining marks), lower-cased. */
    static final class CardTokenizer extends CharTokenizer {
        CardTokenizer(Reader in) {
            super(V, in);
        }

        @Override
        protected boolean isTokenChar(int c) {
            if (Character.isLetterOrDigit(c)) return true;
            final int t = Character.getType(c);
            return t == Character.NON_SPACING_MARK || t == Character.COMBINING_SPACING_MARK
                    || t == Character.ENCLOSING_MARK;
        }

        @Override
        protected int normalize(int c) {
            return Character.toLowerCase(c);
        }
    }

    /** Drops tokens longer than cardex keeps, without a position for them (as cardex). */
    static final class MaxLengthFilter extends TokenFilter {
        private final CharTermAttribute term = addAttribute(CharTermAttribute.class);

        MaxLengthFilter(TokenStream in) {
            super(in);
        }

        @Override
        public boolean incrementToken() throws IOException {
            while (input.incrementToken()) {
                if (term.length() <= MAX_TOKEN) return true;
            }
            return false;
        }
    }

    /** Emits each token `weight` times at one position: Xapian's wdf as Lucene's freq. */
    static final class RepeatFilter extends TokenFilter {
        private final PositionIncrementAttribute posInc = addAttribute(PositionIncrementAttribute.class);
        private final int weight;
        private int left = 0;
        private State state;

        RepeatFilter(TokenStream in, int weight) {
            super(in);
            this.weight = weight;
        }

        @Override
        public boolean incrementToken() throws IOException {
            if (left > 0) {
                restoreState(state);
                posInc.setPositionIncrement(0);
                --left;
                return true;
            }
            if (!input.incrementToken()) return false;
            if (weight > 1) {
                state = captureState();
                left = weight - 1;
            }
            return true;
        }

        @Override
        public void reset() throws IOException {
            super.reset();
            left = 0;
        }
    }

    /** One reusable chain per part; the tokenizer is given each card's text in turn. */
    static final class Chain {
        final Tokenizer tokenizer = new CardTokenizer(new StringReader(""));
        final TokenStream stream;

        Chain(int weight) {
            TokenStream s = new MaxLengthFilter(tokenizer);
            s = new SnowballFilter(s, new EnglishStemmer());
            stream = weight > 1 ? new RepeatFilter(s, weight) : s;
        }

        TokenStream of(String text) throws IOException {
            tokenizer.setReader(new StringReader(text));
            return stream;
        }
    }

    /** The writer's analyzer: only its position gap is used (each part is a TokenStream). */
    static final class CardAnalyzer extends Analyzer {
        @Override
        protected TokenStreamComponents createComponents(String field, Reader reader) {
            Tokenizer t = new CardTokenizer(reader);
            return new TokenStreamComponents(t, new SnowballFilter(new MaxLengthFilter(t), new EnglishStemmer()));
        }

        @Override
        public int getPositionIncrementGap(String field) {
            return FIELD_GAP;
        }
    }

    /** Memory-mapped, as Lucene means to be run: FSDirectory.open falls back to NIOFSDirectory
     *  (a read syscall per 1 KB buffer) on Java 9+, where 4.10 cannot unmap; not unmapping
     *  only leaves a closed file's pages mapped until collected, harmless here. */
    static FSDirectory open(String indexDir) throws IOException {
        return new MMapDirectory(Paths.get(indexDir).toFile());
    }

    static FacetsConfig facetsConfig() {
        FacetsConfig config = new FacetsConfig();
        for (String f : COUNT_FACETS) config.setMultiValued(f, true);
        return config;
    }

    static BM25Similarity similarity() {
        BM25Similarity s = new BM25Similarity(1.0f, 0.5f);
        s.setDiscountOverlaps(false);  // Xapian's document length is the sum of wdf
        return s;
    }

    static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ++i) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 == s.length()) {
                b.append(c);
                continue;
            }
            char n = s.charAt(++i);
            b.append(n == 't' ? '\t' : n == 'n' ? '\n' : n == 'r' ? '\r' : n);
        }
        return b.toString();
    }

    static String[] list(String field) {
        return field.isEmpty() ? new String[0] : unescape(field).split("\u001f");
    }

    static double peakRssMb() throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Double.parseDouble(line.substring(6).trim().split("\\s+")[0]) / 1024.0;
            }
        }
        return 0;
    }

    static long dirBytes(Path dir) throws IOException {
        long n = 0;
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) n += Files.size(p);
        }
        return n;
    }

    /** Turns card lines into documents with chains of its own (one per indexing thread). */
    static final class Inverter {
        final Chain[] chains = new Chain[PART_WEIGHTS.length];
        final FacetsConfig config = facetsConfig();

        Inverter() {
            for (int i = 0; i < chains.length; ++i) chains[i] = new Chain(PART_WEIGHTS[i]);
        }

        void add(IndexWriter w, String line) throws IOException {
            String[] f = line.split("\t", -1);
            if (f.length != 10) throw new IOException("cards line with " + f.length + " fields, not 10");
            Document doc = new Document();
            final String id = unescape(f[0]), title = unescape(f[1]);
            for (int part = 0; part < PART_WEIGHTS.length; ++part) {
                doc.add(new TextField(TEXT, chains[part].of(part < 2 ? (part == 0 ? id : title) : unescape(f[part]))));
            }
            doc.add(new StoredField("id", id));
            doc.add(new StoredField("title", title));
            doc.add(new NumericDocValuesField("downloads", Long.parseLong(f[5])));
            for (int k = 0; k < COUNT_FACETS.length; ++k) {
                for (String v : list(f[6 + k])) {
                    if (!v.isEmpty()) doc.add(new SortedSetDocValuesFacetField(COUNT_FACETS[k], v));
                }
            }
            w.addDocument(config.build(doc));
        }
    }

    /** Indexes the cards on `threads` threads (IndexWriter is thread-safe; each thread fills
     *  a segment of its own), as cardex builds on the harness's --threads; then merges. */
    static void build(String cardsPath, String indexDir, int threads) throws Exception {
        final long t0 = System.nanoTime();
        IndexWriterConfig iwc = new IndexWriterConfig(V, new CardAnalyzer());
        iwc.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
        iwc.setSimilarity(similarity());
        iwc.setRAMBufferSizeMB(256);
        iwc.setMaxThreadStates(Math.max(1, threads));
        long cards = 0;
        final List<String> done = new ArrayList<>();  // the end of the input, for each thread
        try (FSDirectory dir = open(indexDir);
             IndexWriter w = new IndexWriter(dir, iwc);
             BufferedReader in = Files.newBufferedReader(Paths.get(cardsPath), StandardCharsets.UTF_8)) {
            final BlockingQueue<List<String>> batches = new ArrayBlockingQueue<>(4 * threads);
            final AtomicReference<Exception> failed = new AtomicReference<>();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; ++t) {
                Thread th = new Thread(() -> {
                    Inverter inv = new Inverter();
                    try {
                        for (List<String> b = batches.take(); b != done; b = batches.take()) {
                            for (String line : b) inv.add(w, line);
                        }
                    } catch (Exception e) {
                        failed.compareAndSet(null, e);
                        batches.clear();
                    }
                });
                th.start();
                workers.add(th);
            }
            List<String> batch = new ArrayList<>();
            for (String line; (line = in.readLine()) != null && failed.get() == null; ++cards) {
                batch.add(line);
                if (batch.size() == 256) {
                    batches.put(batch);
                    batch = new ArrayList<>();
                }
            }
            if (!batch.isEmpty()) batches.put(batch);
            for (int t = 0; t < threads; ++t) batches.put(done);
            for (Thread th : workers) th.join();
            if (failed.get() != null) throw failed.get();
            // One segment, as FTS5's 'optimize' and cardex's compaction leave one.
            w.forceMerge(1);
            w.commit();
        }
        final double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "build\t%.3f\t%d\t%d%n", s, dirBytes(Paths.get(indexDir)), cards);
        System.out.printf(Locale.ROOT, "rss\t%.1f%n", peakRssMb());
    }

    static final class Q {
        String cls;
        boolean counts, phrase;
        List<String> stems = new ArrayList<>();
        List<String[]> filters = new ArrayList<>();
    }

    /** The query's words through the index's analysis: tokens, Snowball English stems. */
    static List<String> analyze(String words) throws IOException {
        List<String> out = new ArrayList<>();
        Chain c = new Chain(1);
        TokenStream s = c.of(words);
        CharTermAttribute term = s.addAttribute(CharTermAttribute.class);
        s.reset();
        while (s.incrementToken()) out.add(term.toString());
        s.end();
        s.close();
        return out;
    }

    static List<Q> readQueries(String path) throws IOException {
        List<Q> out = new ArrayList<>();
        for (String line : Files.readAllLines(Paths.get(path), StandardCharsets.UTF_8)) {
            String[] f = line.split("\t", -1);
            if (f.length != 5) throw new IOException("queries line " + (out.size() + 1) + ": " + f.length + " fields, not 5");
            Q q = new Q();
            q.cls = f[0];
            q.counts = f[1].equals("1");
            q.phrase = f[2].equals("1");
            q.stems = analyze(unescape(f[3]));
            for (String fv : list(f[4])) {
                int eq = fv.indexOf('=');
                if (eq > 0) q.filters.add(new String[] {fv.substring(0, eq), fv.substring(eq + 1)});
            }
            out.add(q);
        }
        return out;
    }

    final IndexSearcher searcher;
    final FacetsConfig config = facetsConfig();
    final SortedSetDocValuesReaderState state;
    final Sort byDownloads = new Sort(new SortField("downloads", SortField.Type.LONG, true));

    LuceneBench(DirectoryReader reader) throws IOException {
        searcher = new IndexSearcher(reader);
        searcher.setSimilarity(similarity());
        state = new DefaultSortedSetDocValuesReaderState(reader);
    }

    /** Words as an AND (cardex's default), or one phrase; null for a listing. */
    Query textQuery(Q q) {
        if (q.stems.isEmpty()) return null;
        if (q.phrase) {
            PhraseQuery p = new PhraseQuery();
            for (String s : q.stems) p.add(new Term(TEXT, s));
            return p;
        }
        BooleanQuery b = new BooleanQuery();
        for (String s : q.stems) b.add(new TermQuery(new Term(TEXT, s)), BooleanClause.Occur.MUST);
        return b;
    }

    /** One query as the harness asks it: a page of 20 with ids and titles, the exact total,
     *  and with counts the top 10 values of the four facets, counted disjunctively. */
    long run(Q q) throws IOException {
        final Query text = textQuery(q);
        final boolean sorted = q.cls.equals("filters");
        DrillDownQuery ddq = null;
        if (!q.filters.isEmpty()) {
            ddq = new DrillDownQuery(config, text);  // null text: every card
            for (String[] f : q.filters) ddq.add(f[0], f[1]);
        }
        final Query query = ddq != null ? ddq : text != null ? text : new MatchAllDocsQuery();
        TopDocs top;
        Facets facets = null;
        if (q.counts && ddq != null) {
            // The filters are on counted facets: each of their facets is counted without its
            // own filter, which is what DrillSideways does.
            DrillSideways ds = new DrillSideways(searcher, config, state);
            DrillSideways.DrillSidewaysResult r =
                    sorted ? ds.search(ddq, null, null, HITS, byDownloads, false, false) : ds.search(ddq, HITS);
            top = r.hits;
            facets = r.facets;
        } else if (q.counts) {
            FacetsCollector fc = new FacetsCollector();
            top = sorted ? FacetsCollector.search(searcher, query, null, HITS, byDownloads, fc)
                         : FacetsCollector.search(searcher, query, HITS, fc);
            facets = new SortedSetDocValuesFacetCounts(state, fc);
        } else {
            top = sorted ? searcher.search(query, null, HITS, byDownloads) : searcher.search(query, HITS);
        }
        if (facets != null) {
            for (String f : COUNT_FACETS) facets.getTopChildren(TOP_VALUES, f);
        }
        for (ScoreDoc sd : top.scoreDocs) {
            Document d = searcher.doc(sd.doc);  // a result page shows id and title
            d.get("id");
            d.get("title");
        }
        return top.totalHits;
    }

    static void query(String indexDir, String queriesPath, int warmup) throws IOException {
        List<Q> queries = readQueries(queriesPath);
        try (FSDirectory dir = open(indexDir);
             DirectoryReader reader = DirectoryReader.open(dir)) {
            LuceneBench b = new LuceneBench(reader);
            StringBuilder out = new StringBuilder();
            // Warm-up passes over the mix, then the measured pass. cardex and FTS5 get one;
            // HotSpot compiles Lucene's loops only after thousands of calls, so one pass
            // leaves them half-compiled (docs/PERFORMANCE.md: text p50 2.4 ms after one pass,
            // 0.8 ms after four, at 100k cards).
            for (int pass = 0; pass <= warmup; ++pass) {
                for (int i = 0; i < queries.size(); ++i) {
                    final long t0 = System.nanoTime();
                    final long total = b.run(queries.get(i));
                    final double ms = (System.nanoTime() - t0) / 1e6;
                    if (pass == warmup) out.append("q\t").append(i).append('\t').append(String.format(Locale.ROOT, "%.4f", ms)).append('\t').append(total).append('\n');
                }
            }
            System.out.print(out);
        }
        System.out.printf(Locale.ROOT, "rss\t%.1f%n", peakRssMb());
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 4 && args[0].equals("build")) {
            build(args[1], args[2], Integer.parseInt(args[3]));
        } else if (args.length == 4 && args[0].equals("query")) {
            query(args[1], args[2], Integer.parseInt(args[3]));
        } else {
            System.err.println("usage: LuceneBench build CARDS.tsv INDEX_DIR THREADS | query INDEX_DIR QUERIES.tsv WARMUP_PASSES");
            System.exit(2);
        }
    }
}
