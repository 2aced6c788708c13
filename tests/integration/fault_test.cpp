// Fault injection at every write step of `cardex reindex` and `cardex ingest`, a full disk and
// a read-only index directory. After each fault the index opens at a committed revision with
// every acknowledged card, xapian-check finds nothing wrong, and the next run succeeds and
// leaves no build directory behind (ARCHITECTURE.md, "Readers and writers").
//
// The kill points are enumerated, not sampled: strace counts the write syscalls of a clean
// run, then kills the writer at the k-th call of each kind. With CARDEX_FAULT_ALL=1 that is
// every k of fsync, fdatasync, rename*, pwrite64, write, unlink* and every kill is followed by a
// complete rerun; CI takes at most 12 points per syscall (unlinks left out) and reruns after
// every fourth (docs/RELIABILITY.md records the full runs). Writers run with --threads 1 so
// that one thread makes every call (strace counts per thread).
#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "cardex/index/positions.h"
#include "cardex/index/schema.h"
#include "cardex/index/store.h"
#include "process.h"
#include "support.h"

using namespace cardex;
namespace fs = std::filesystem;

namespace {

const std::string kExe = CARDEX_EXE;
// LeakSanitizer cannot run under ptrace: the writers traced by strace run without it.
const std::string kNoLeakCheck = "ASAN_OPTIONS=detect_leaks=0:abort_on_error=1";

void write_cards(const std::string& path,
                 const std::string& prefix,
                 int n,
                 bool is_private = false) {
    std::ofstream f(path);
    for (int i = 0; i < n; ++i) {
        f << R"({"id": ")" << prefix << i << R"(", "type": "model", )"
          << (is_private ? R"("private": true, )" : "") << R"("downloads": )" << (i * 37) % 1000
          << R"(, "readme": "---\nlicense: mit\nlanguage: [nb]\n---\n# Card )" << i
          << R"(\n\nA model card about named entity recognition in Norwegian text."})"
          << "\n";
    }
}

bool have(const char* tool) {
    return test::shell(std::string("command -v ") + tool + " >/dev/null 2>&1").exit_code == 0;
}

// Calls per syscall in one run of `args`, from `strace -f -c`.
std::map<std::string, int> count_syscalls(const std::vector<std::string>& args,
                                          const std::string& set,
                                          const std::string& out_file) {
    std::vector<std::string> cmd{"/usr/bin/env", kNoLeakCheck, "/usr/bin/strace", "-f", "-c", "-o",
                                 out_file, "-e", "trace=" + set};
    cmd.insert(cmd.end(), args.begin(), args.end());
    REQUIRE(test::run(cmd).exit_code == 0);
    std::ifstream in(out_file);
    std::map<std::string, int> calls;
    std::string line;
    while (std::getline(in, line)) {
        // "% time     seconds  usecs/call     calls    errors syscall"
        std::istringstream ls(line);
        std::vector<std::string> w;
        for (std::string x; ls >> x;) w.push_back(x);
        if (w.size() < 5 || w[0][0] == '-' || w.back() == "total" || w.back() == "syscall") continue;
        calls[w.back()] = std::atoi(w[3].c_str());  // an "errors" column may follow "calls"
    }
    return calls;
}

std::size_t doc_count(const std::string& index) {
    auto db = index::open_reader(index);
    REQUIRE(db.has_value());
    return db->get_doccount();
}

// Cards in namespace `ns`'s private database of the live generation (0 if it has none).
std::size_t private_count(const std::string& index, const std::string& ns) {
    const auto gen = index::live_generation(index);
    REQUIRE(gen.has_value());
    const std::string path = index::private_db_path(gen.value(), ns);
    if (!fs::is_directory(path)) return 0;
    return Xapian::Database(path).get_doccount();
}

bool private_has(const std::string& index, const std::string& ns, const std::string& term) {
    const std::string path = index::private_db_path(index::live_generation(index).value(), ns);
    return fs::is_directory(path) && Xapian::Database(path).term_exists(term);
}

bool xapian_check_clean(const std::string& index) {
    if (!have("xapian-check")) return true;
    auto gen = index::live_generation(index);
    REQUIRE(gen.has_value());
    std::vector<std::string> dbs{gen.value()};
    for (const auto& p : index::private_databases(gen.value())) dbs.push_back(p.path);
    for (const auto& db : dbs) {
        const auto r = test::run({"/usr/bin/xapian-check", db});
        INFO(db << ": " << r.out);
        if (r.exit_code != 0) return false;
    }
    return true;
}

// The live generation's position store (positions.h) is whole and the one its build
// recorded: every reindex here, the pristine one included, writes one.
bool position_store_clean(const std::string& index) {
    const auto gen = index::live_generation(index);
    REQUIRE(gen.has_value());
    auto store =
        index::PositionStore::open((fs::path(gen.value()) / index::kPositionsFile).string());
    INFO(gen.value());
    if (!store) return false;
    const bool whole = store.value()->verify().has_value();
    const Xapian::Database db(gen.value());
    return whole && store.value()->last_docid() == db.get_lastdocid() &&
           db.get_metadata(std::string(index::kMetaPositions)) == store.value()->tag();
}

void no_build_dirs(const std::string& index) {
    for (const auto& e : fs::directory_iterator(index)) {
        CHECK(e.path().filename().string().rfind("build-", 0) != 0);
    }
}

// `args` (a cardex command line) on a fresh copy of `pristine` at `index`, under strace, killed
// with SIGKILL at the k-th call of `syscall`. LeakSanitizer cannot run under ptrace.
test::ProcessResult run_killed(const std::string& pristine, const std::string& index,
                               const std::string& syscall, int k,
                               const std::vector<std::string>& args) {
    fs::remove_all(index);
    fs::copy(pristine, index, fs::copy_options::recursive);
    std::vector<std::string> cmd{"/usr/bin/env", kNoLeakCheck, "/usr/bin/strace", "-f", "-o",
                                 "/dev/null", "-e", "trace=" + syscall, "-e",
                                 "inject=" + syscall + ":signal=SIGKILL:when=" + std::to_string(k),
                                 kExe};
    cmd.insert(cmd.end(), args.begin(), args.end());
    return test::run(cmd);
}

// Kill points for a syscall made `calls` times: every one, or in CI at most about 12 spread
// over the run (the first and the last included).
std::vector<int> points(int calls, bool step) {
    std::vector<int> out;
    const int every = step && calls > 12 ? calls / 12 : 1;
    for (int k = 1; k <= calls; k += every) out.push_back(k);
    if (!out.empty() && out.back() != calls) out.push_back(calls);
    return out;
}

int acknowledged_batches(const std::string& out) {
    int n = 0;
    for (std::size_t pos = 0; (pos = out.find("committed batch ", pos)) != std::string::npos; ++pos) ++n;
    return n;
}

}  // namespace

namespace {
// "pwrite64 312, fsync 40, ..." of a clean run's syscall counts.
std::string summary(const std::map<std::string, int>& calls) {
    std::string out;
    for (const auto& [name, n] : calls) {
        if (!out.empty()) out += ", ";
        out += name + " " + std::to_string(n);
    }
    return out;
}
}  // namespace

TEST_CASE("a reindex killed at any write step leaves the old or the new index, never a broken one",
          "[integration][fault]") {
    if (!have("strace")) CARDEX_SKIP("strace is not installed");
    const bool all = std::getenv("CARDEX_FAULT_ALL") != nullptr;
    test::TempDir tmp;
    const std::string base = tmp.str() + "/base.jsonl", more = tmp.str() + "/more.jsonl";
    const std::string secret = tmp.str() + "/secret.jsonl";
    write_cards(base, "base/c", 60);
    write_cards(more, "more/c", 80);
    write_cards(secret, "secret/c", 10, true);  // into the private database of "secret"
    const std::string pristine = tmp.str() + "/pristine";
    REQUIRE(test::run({kExe, "reindex", "--quiet", "--threads", "1", "--index", pristine, base})
                .exit_code == 0);
    // 28 segments: two groups merged into parts, the parts into the generation.
    const auto reindex_into = [&](const std::string& index) {
        return std::vector<std::string>{"reindex",
                                        "--quiet",
                                        "--threads",
                                        "1",
                                        "--segment-cards",
                                        "5",
                                        "--index",
                                        index,
                                        base,
                                        more,
                                        secret};
    };
    std::vector<std::string> reindex_args = reindex_into(tmp.str() + "/probe");
    reindex_args.insert(reindex_args.begin(), kExe);
    fs::copy(pristine, tmp.str() + "/probe", fs::copy_options::recursive);
    // write: the position store's files (stdio), beside Xapian's pwrite64.
    const std::string set =
        all ? "fsync,fdatasync,rename,renameat,renameat2,pwrite64,write,unlink,unlinkat"
            : "fsync,fdatasync,rename,renameat,renameat2,pwrite64,write";
    const auto calls = count_syscalls(reindex_args, set, tmp.str() + "/counts");
    REQUIRE(calls.count("pwrite64"));
    int runs = 0;
    for (const auto& [syscall, n] : calls) {
        for (int k : points(n, !all)) {
            INFO("kill at " << syscall << " call " << k << " of " << n);
            const std::string index = tmp.str() + "/run";
            const auto r = run_killed(pristine, index, syscall, k, reindex_into(index));
            const std::size_t docs = doc_count(index);
            CHECK((docs == 60 || docs == 140));  // old, or new and complete
            CHECK(private_count(index, "secret") == (docs == 140 ? 10u : 0u));
            CHECK(xapian_check_clean(index));
            CHECK(position_store_clean(index));
            // The next run publishes and cleans up after the killed one.
            if (all || runs % 4 == 0 || k == n) {
                REQUIRE(
                    test::run({kExe, "reindex", "--quiet", "--index", index, base, more, secret})
                        .exit_code == 0);
                CHECK(doc_count(index) == 140);
                CHECK(private_count(index, "secret") == 10);
                CHECK(position_store_clean(index));
                no_build_dirs(index);
            }
            ++runs;
            (void)r;
        }
    }
    // What was exercised, for docs/RELIABILITY.md.
    std::printf("reindex: %d kill points (%s)\n", runs, summary(calls).c_str());
    CHECK(runs >= 10);
}

TEST_CASE("an ingest killed at any write step keeps every acknowledged batch", "[integration][fault]") {
    if (!have("strace")) CARDEX_SKIP("strace is not installed");
    const bool all = std::getenv("CARDEX_FAULT_ALL") != nullptr;
    test::TempDir tmp;
    const std::string base = tmp.str() + "/base.jsonl", more = tmp.str() + "/more.jsonl";
    write_cards(base, "base/c", 50);
    write_cards(more, "more/c", 40);
    const std::string pristine = tmp.str() + "/pristine";
    REQUIRE(test::run({kExe, "reindex", "--quiet", "--index", pristine, base}).exit_code == 0);
    fs::copy(pristine, tmp.str() + "/probe", fs::copy_options::recursive);
    const std::vector<std::string> ingest_args{kExe, "ingest", "--batch", "10",
                                               "--index", tmp.str() + "/probe", more};
    const auto calls = count_syscalls(ingest_args, "fsync,fdatasync,rename,pwrite64", tmp.str() + "/counts");
    int runs = 0;
    for (const auto& [syscall, n] : calls) {
        for (int k : points(n, !all)) {
            INFO("kill at " << syscall << " call " << k << " of " << n);
            const std::string index = tmp.str() + "/run";
            const auto r = run_killed(pristine, index, syscall, k, {"ingest", "--batch", "10", "--index", index, more});
            const int acked = acknowledged_batches(r.out);
            const std::size_t docs = doc_count(index);
            // Whole batches only, and at least every acknowledged one (a batch may have been
            // committed just before the kill, without its acknowledgement being printed).
            CHECK((docs - 50) % 10 == 0);
            CHECK(docs >= 50 + 10 * static_cast<std::size_t>(acked));
            auto db = index::open_reader(index);
            REQUIRE(db.has_value());
            for (int b = 0; b < acked; ++b) {
                CHECK(db->term_exists(index::id_term("model", "more/c" + std::to_string(b * 10))));
                CHECK(db->term_exists(index::id_term("model", "more/c" + std::to_string(b * 10 + 9))));
            }
            CHECK(xapian_check_clean(index));
            ++runs;
        }
    }
    std::printf("ingest: %d kill points (%s)\n", runs, summary(calls).c_str());
    CHECK(runs >= 4);
}

TEST_CASE("an ingest that turns cards private, killed at any write step, loses none of them",
          "[integration][fault]") {
    // A card that changes sides is written into its new database before it leaves the old
    // one (index/writer.h): a kill in between leaves it in both, never in neither.
    if (!have("strace")) CARDEX_SKIP("strace is not installed");
    const bool all = std::getenv("CARDEX_FAULT_ALL") != nullptr;
    test::TempDir tmp;
    const std::string base = tmp.str() + "/base.jsonl", moved = tmp.str() + "/moved.jsonl";
    write_cards(base, "base/c", 50);
    write_cards(moved, "base/c", 30, true);  // the first 30, now private
    const std::string pristine = tmp.str() + "/pristine";
    REQUIRE(test::run({kExe, "reindex", "--quiet", "--index", pristine, base}).exit_code == 0);
    fs::copy(pristine, tmp.str() + "/probe", fs::copy_options::recursive);
    const std::vector<std::string> ingest_args{
        kExe, "ingest", "--batch", "10", "--index", tmp.str() + "/probe", moved};
    const auto calls =
        count_syscalls(ingest_args, "fsync,fdatasync,rename,pwrite64", tmp.str() + "/counts");
    {
        // The clean run moved all 30.
        CHECK(doc_count(tmp.str() + "/probe") == 20);
        CHECK(private_count(tmp.str() + "/probe", "base") == 30);
    }
    int runs = 0;
    for (const auto& [syscall, n] : calls) {
        for (int k : points(n, !all)) {
            INFO("kill at " << syscall << " call " << k << " of " << n);
            const std::string index = tmp.str() + "/run";
            const auto r = run_killed(pristine, index, syscall, k, {"ingest", "--batch", "10", "--index", index, moved});
            const int acked = acknowledged_batches(r.out);
            auto db = index::open_reader(index);
            REQUIRE(db.has_value());
            for (int i = 0; i < 30; ++i) {
                const std::string term = index::id_term("model", "base/c" + std::to_string(i));
                const bool in_public = db->term_exists(term);
                const bool in_private = private_has(index, "base", term);
                INFO("card base/c" << i);
                CHECK((in_public || in_private));
                if (i / 10 < acked) CHECK((in_private && !in_public));  // acknowledged: moved
            }
            CHECK(xapian_check_clean(index));
            // The rerun finishes the move.
            if (all || runs % 4 == 0 || k == n) {
                REQUIRE(test::run({kExe, "ingest", "--batch", "10", "--index", index, moved})
                            .exit_code == 0);
                CHECK(doc_count(index) == 20);
                CHECK(private_count(index, "base") == 30);
            }
            ++runs;
        }
    }
    std::printf("ingest moving cards to a private database: %d kill points (%s)\n",
                runs,
                summary(calls).c_str());
    CHECK(runs >= 4);
}

TEST_CASE("a full disk fails the reindex with ENOSPC and leaves the live index serving",
          "[integration][fault]") {
    if (::geteuid() != 0 || !have("unshare")) CARDEX_SKIP("needs root and unshare for a private tmpfs");
    test::TempDir tmp;
    const std::string base = tmp.str() + "/base.jsonl", big = tmp.str() + "/big.jsonl";
    write_cards(base, "base/c", 50);
    write_cards(big, "big/c", 3000);
    const std::string pristine = tmp.str() + "/pristine";
    REQUIRE(test::run({kExe, "reindex", "--quiet", "--index", pristine, base}).exit_code == 0);
    const std::size_t used_kb = index::directory_bytes(pristine) / 1024;
    // A tmpfs with room for the live index and little more, in a private mount namespace.
    const std::string disk = tmp.str() + "/disk";
    fs::create_directories(disk);
    std::ostringstream script;
    script << "set -u; mount -t tmpfs -o size=" << used_kb + 400 << "k tmpfs '" << disk
           << "' || exit 77; cp -r '" << pristine << "' '" << disk << "/index'; '" << kExe
           << "' reindex --quiet --segment-cards 100 --index '" << disk << "/index' '" << base
           << "' '" << big << "'; echo \"reindex-exit=$?\"; '" << kExe << "' search --index '"
           << disk << "/index' --limit 0 --json; echo; ls '" << disk
           << "/index'; mount -o remount,size=64m '" << disk << "'; '" << kExe
           << "' reindex --quiet --index '" << disk << "/index' '" << base << "' '" << big
           << "'; echo \"second-exit=$?\"; ls '" << disk << "/index'";
    const auto r = test::run({"/usr/bin/unshare", "-m", "/bin/sh", "-c", script.str()});
    INFO(r.out);
    if (r.exit_code == 77) CARDEX_SKIP("cannot mount a tmpfs here");
    CHECK(r.out.find("reindex-exit=0") == std::string::npos);
    CHECK(r.out.find("No space left on device") != std::string::npos);
    CHECK(r.out.find("\"total\":50") != std::string::npos);  // the live index still answers
    CHECK(r.out.find("second-exit=0") != std::string::npos);
    // No build directory in either listing (the error message may name the one it removed).
    CHECK(r.out.find("\nbuild-") == std::string::npos);
}

TEST_CASE("a read-only index directory serves searches and refuses writes clearly",
          "[integration][fault]") {
    if (::geteuid() != 0 || !have("unshare")) CARDEX_SKIP("needs root and unshare for a read-only bind mount");
    test::TempDir tmp;
    const std::string base = tmp.str() + "/base.jsonl";
    write_cards(base, "base/c", 30);
    const std::string index = tmp.str() + "/index";
    REQUIRE(test::run({kExe, "reindex", "--quiet", "--index", index, base}).exit_code == 0);
    std::ostringstream script;
    script << "mount --bind '" << index << "' '" << index << "' && mount -o remount,bind,ro '" << index
           << "' || exit 77; '" << kExe << "' search --index '" << index
           << "' --limit 0 --json; echo; echo \"search-exit=$?\"; '" << kExe
           << "' reindex --quiet --index '" << index << "' '" << base << "'; echo \"reindex-exit=$?\"; '"
           << kExe << "' ingest --index '" << index << "' '" << base << "'; echo \"ingest-exit=$?\"";
    const auto r = test::run({"/usr/bin/unshare", "-m", "/bin/sh", "-c", script.str()});
    INFO(r.out);
    if (r.exit_code == 77) CARDEX_SKIP("cannot bind-mount read-only here");
    CHECK(r.out.find("\"total\":30") != std::string::npos);
    CHECK(r.out.find("reindex-exit=0") == std::string::npos);
    CHECK(r.out.find("ingest-exit=0") == std::string::npos);
    CHECK(r.out.find("Read-only file system") != std::string::npos);
    // Nothing changed underneath.
    CHECK(doc_count(index) == 30);
}
