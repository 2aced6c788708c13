// The harvest loop: list, fetch READMEs, make cards, commit a page, checkpoint (harvest.h).
#include "cardex/server/harvest.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>

#include "cardex/index/store.h"
#include "cardex/index/vocabulary.h"
#include "cardex/index/writer.h"
#include "cardex/index/writer_lock.h"
#include "cardex/ingest/hub_listing.h"
#include "harvest_http.h"
#include "harvest_mirror.h"
#include "harvest_state.h"

namespace fs = std::filesystem;

namespace cardex::server {

namespace {

using harvesting::expand_query;
using harvesting::Fetcher;
using harvesting::HarvestState;
using harvesting::mirror_ids;
using harvesting::PassState;
using harvesting::TypeState;
using harvesting::Url;
using index::CardType;

// Ids pass ingest::repo_id_problem before they get here; encoding is for safety only.
std::string encode_segment(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 15]);
        }
    }
    return out;
}

std::string encode_id(std::string_view id) {
    std::string out;
    while (true) {
        const std::size_t slash = id.find('/');
        out.append(encode_segment(id.substr(0, slash)));
        if (slash == std::string_view::npos) break;
        out.push_back('/');
        id.remove_prefix(slash + 1);
    }
    return out;
}

std::string type_name(CardType t) {
    return std::string(index::card_type_name(t));
}

std::string plural(std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

// What became of one listing item: a card, or why not.
struct ItemOutcome {
    std::optional<index::Card> card;
    std::string id;
    bool fetched = false;
    bool no_readme = false;
    bool repaired = false;
    bool interrupted = false;
    std::string failure;                     // its README could not be had
    std::optional<ingest::Issue> rejection;  // it cannot become a card
};

class Harvester {
  public:
    explicit Harvester(const HarvestOptions& o) : opt_(o) {}
    Result<HarvestSummary> run();

  private:
    void emit(HarvestEvent::Kind kind, CardType type, std::string id, std::string message) {
        if (!opt_.on_event) return;
        std::lock_guard g(event_mu_);
        opt_.on_event({kind, type, std::move(id), std::move(message)});
    }
    bool stopping() const { return opt_.stop && opt_.stop->load(); }
    Status prepare();
    Status ensure_index();
    std::string listing_query(CardType type) const;
    std::string first_page(CardType type) const;
    std::string listed_file(CardType type) const;
    Status prune(CardType type, const PassState& pass);
    std::string readme_url(CardType type, const std::string& id) const;
    ItemOutcome process(ingest::HubItem item, Fetcher& fetcher, ingest::CardParser& parser);
    Status commit(CardType type,
                  TypeState& ts,
                  std::vector<ingest::HubItem> items,
                  const std::string& what);
    Status retry_failed(CardType type, TypeState& ts);
    Status run_pass(CardType type, TypeState& ts, bool resumed);
    Status renumber();
    Status save() { return harvesting::save_state(state_path_, state_); }

    const HarvestOptions& opt_;
    Url origin_;
    std::string base_path_;  // the origin's path prefix, without a trailing '/'
    std::string origin_key_;
    std::string state_path_;
    HarvestState state_;
    std::optional<index::IndexWriter> writer_;
    std::shared_ptr<const index::Vocabulary> vocab_;
    std::unique_ptr<Fetcher> lister_;
    std::vector<std::unique_ptr<Fetcher>> fetchers_;
    std::vector<std::unique_ptr<ingest::CardParser>> parsers_;
    HarvestSummary sum_;
    std::mutex event_mu_;
};

Status Harvester::ensure_index() {
    std::error_code ec;
    fs::create_directories(opt_.index, ec);
    if (ec) {
        return make_error(
            Errc::Internal, "cannot create the index directory: " + ec.message(), opt_.index);
    }
    auto live = index::live_generation(opt_.index);
    if (live) return Ok{};
    if (live.error().code != Errc::NotFound) return std::move(live).error();
    // A first harvest into an empty directory: an empty index, made the way `reindex
    // --allow-empty` makes one, with the vocabulary the cards will be normalized with.
    auto vocab = index::Vocabulary::load(opt_.tables.empty() ? index::Vocabulary::default_dir()
                                                             : opt_.tables);
    if (!vocab) return std::move(vocab).error();
    index::BuildOptions bo;
    bo.allow_empty = true;
    bo.vocabulary = vocab.value();
    bo.wait_for_lock = opt_.wait_for_lock;
    auto built = index::build_index(opt_.index, {}, bo);
    if (!built) return std::move(built).error();
    emit(HarvestEvent::Kind::Note, CardType::Model, {}, "created an empty index in " + opt_.index);
    return Ok{};
}

Status Harvester::prepare() {
    auto origin = harvesting::parse_url(opt_.origin);
    if (!origin) return std::move(origin).error();
    origin_ = std::move(origin).value();
    base_path_ = origin_.target.substr(0, origin_.target.find('?'));
    while (!base_path_.empty() && base_path_.back() == '/') base_path_.pop_back();
    origin_key_ = origin_.origin() + base_path_;
    state_path_ = opt_.state_file.empty() ? (fs::path(opt_.index) / "harvest-state.json").string()
                                          : opt_.state_file;
    if (opt_.concurrency < 1) return make_error(Errc::InvalidArgument, "concurrency must be >= 1");
    if (!opt_.since.empty() && !harvesting::parse_iso8601_ms(opt_.since)) {
        return make_error(Errc::InvalidArgument,
                          "--since is not an ISO 8601 time (2024-05-01 or "
                          "2024-05-01T12:00:00Z)",
                          opt_.since);
    }
    // TLS is set up even for an http origin: a redirect may lead to https.
    auto tls = harvesting::make_tls_context(opt_.ca_file);
    if (!tls) return std::move(tls).error();

    if (auto st = ensure_index(); !st) return st;
    auto writer = index::IndexWriter::open(opt_.index, {opt_.wait_for_lock});
    if (!writer) return std::move(writer).error();
    writer_.emplace(std::move(writer).value());
    // The state is read and written only while the writer lock is held.
    auto vocab = index::read_vocabulary(opt_.index);
    if (!vocab) return std::move(vocab).error();
    vocab_ = vocab.value();
    auto loaded = harvesting::load_state(state_path_);
    if (loaded) {
        state_ = std::move(loaded).value();
        if (!state_.origin.empty() && state_.origin != origin_key_) {
            return make_error(Errc::InvalidArgument,
                              "this state file records a harvest of " + state_.origin +
                                  ", not of " + origin_key_ +
                                  "; name another with --state to harvest a second origin",
                              state_path_);
        }
    } else if (loaded.error().code != Errc::NotFound) {
        return std::move(loaded).error();
    }
    state_.origin = origin_key_;

    harvesting::RetryPolicy policy;
    policy.retries = opt_.retries;
    policy.timeout = opt_.timeout;
    policy.backoff = opt_.backoff;
    policy.max_backoff = opt_.max_backoff;
    auto on_retry = [this](const harvesting::RetryNotice& n) {
        char wait[32];
        std::snprintf(wait, sizeof wait, "%.1f", static_cast<double>(n.wait.count()) / 1000);
        emit(HarvestEvent::Kind::Retry,
             CardType::Model,
             {},
             "retrying " + n.url + ": " + n.why + " (attempt " + std::to_string(n.attempt) +
                 " failed; waiting " + wait + " s)");
    };
    auto make = [&] {
        return std::make_unique<Fetcher>(harvesting::HttpClient(tls.value()),
                                         policy,
                                         opt_.token,
                                         origin_.origin(),
                                         opt_.stop,
                                         on_retry);
    };
    lister_ = make();
    for (unsigned i = 0; i < opt_.concurrency; ++i) {
        fetchers_.push_back(make());
        parsers_.push_back(std::make_unique<ingest::CardParser>(vocab_));
    }
    return Ok{};
}

// The listing's properties: expand= keys, or for an origin that refused them (HTTP 400)
// the form the Hub's clients used before expand, which every Hub-compatible server reads.
std::string Harvester::listing_query(CardType type) const {
    return state_.listing_form == "full" ? std::string("&full=true&cardData=true")
                                         : expand_query(type);
}

// The ids a full pass has listed so far, one a line, appended after each committed page:
// beside the state file, as long as the pass (a resumed pass goes on appending).
std::string Harvester::listed_file(CardType type) const {
    return state_path_ + "." + type_name(type) + "-listed";
}

std::string Harvester::first_page(CardType type) const {
    // Newest first: a pass with a lower bound stops at the first older item, and what a full
    // pass misses (a card changed while it ran moves ahead of the cursor) is newer than its
    // high-water mark, so the next incremental harvest gets it. `direction=-1` for servers
    // that still read it (docs/HUB-API.md §3).
    return origin_.origin() + base_path_ + "/api/" + type_name(type) +
           "s?sort=lastModified&direction=-1&limit=" + std::to_string(opt_.page_size) +
           listing_query(type);
}

std::string Harvester::readme_url(CardType type, const std::string& id) const {
    std::string kind = type == CardType::Dataset ? "datasets/"
                       : type == CardType::Space ? "spaces/"
                                                 : "";
    return origin_.origin() + base_path_ + "/" + kind + encode_id(id) + "/resolve/main/README.md";
}

ItemOutcome Harvester::process(ingest::HubItem item, Fetcher& fetcher, ingest::CardParser& parser) {
    ItemOutcome out;
    out.id = item.repo_id;
    auto url = harvesting::parse_url(readme_url(item.type, item.repo_id));
    std::optional<std::string> readme;
    unsigned attempts = 0;
    auto res =
        url ? fetcher.get(url.value(), &attempts) : Result<harvesting::Response>(url.error());
    if (!res) {
        if (stopping()) {
            out.interrupted = true;
            return out;
        }
        out.failure = "README: " + res.error().message;
        return out;
    }
    const std::string code = res->header("X-Error-Code");
    if (res->status == 200) {
        readme = std::move(res->body);
        out.fetched = true;
    } else if (res->status == 404 && code == "EntryNotFound") {
        out.no_readme = true;  // a repository without a README.md: a card of its record
    } else {
        out.failure = "README: HTTP " + std::to_string(res->status);
        if (!code.empty()) out.failure += " " + code;
        if (auto m = res->header("X-Error-Message"); !m.empty())
            out.failure += ": " + m.substr(0, 200);
        if (attempts > 1) out.failure += " (after " + std::to_string(attempts) + " attempts)";
        return out;
    }
    std::vector<ingest::Issue> warnings;
    const std::string source = item.source;
    auto card = ingest::hub_item_card(std::move(item), std::move(readme), parser, warnings);
    if (!card) {
        out.rejection = ingest::Issue{source, card.error().detail, card.error().message};
        return out;
    }
    out.repaired = !warnings.empty();
    out.card = std::move(card).value();
    return out;
}

Status Harvester::commit(CardType type,
                         TypeState& ts,
                         std::vector<ingest::HubItem> items,
                         const std::string& what) {
    std::vector<ItemOutcome> outcomes(items.size());
    std::atomic<std::size_t> next{0};
    auto work = [&](std::size_t w) {
        for (std::size_t i; (i = next++) < items.size();) {
            if (stopping()) {
                outcomes[i].interrupted = true;
                continue;
            }
            outcomes[i] = process(std::move(items[i]), *fetchers_[w], *parsers_[w]);
        }
    };
    const std::size_t n = std::min<std::size_t>(fetchers_.size(), items.size());
    std::vector<std::thread> pool;
    for (std::size_t w = 1; w < n; ++w) pool.emplace_back(work, w);
    if (n > 0) work(0);
    for (auto& t : pool) t.join();
    if (stopping()) {
        sum_.interrupted = true;  // nothing of this batch is committed: it is fetched again
        return Ok{};
    }

    // Cards in page order, one per repository (the last, should a page repeat one).
    std::map<std::string, std::size_t> last;
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        if (outcomes[i].card)
            last[type_name(outcomes[i].card->type) + "/" + outcomes[i].card->id] = i;
    }
    std::vector<index::Card> cards;
    std::map<std::string, std::string> failures;
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        ItemOutcome& o = outcomes[i];
        sum_.fetched += o.fetched;
        sum_.no_readme += o.no_readme;
        if (!o.failure.empty()) {
            ++sum_.failed;
            failures[o.id] = o.failure;
            emit(HarvestEvent::Kind::Failed, type, o.id, o.failure);
        } else if (o.rejection) {
            ++sum_.failed;
            emit(HarvestEvent::Kind::Rejected,
                 type,
                 o.id,
                 o.rejection->source + ": " + o.rejection->reason + ": " + o.rejection->message);
        } else if (o.card && last[type_name(o.card->type) + "/" + o.card->id] == i) {
            sum_.repaired += o.repaired;
            cards.push_back(std::move(*o.card));
        }
    }
    std::size_t written = 0;
    if (!cards.empty()) {
        auto n_written = writer_->upsert(cards);
        if (!n_written) return std::move(n_written).error();
        written = n_written.value();
    }
    sum_.upserted += written;
    ++sum_.batches;
    // The state remembers the cards that failed, and forgets those now harvested.
    std::erase_if(ts.failed, [&](const harvesting::FailedCard& f) {
        return failures.count(f.id) > 0 ||
               std::any_of(
                   cards.begin(), cards.end(), [&](const index::Card& c) { return c.id == f.id; });
    });
    for (auto& [id, error] : failures) ts.failed.push_back({id, error});
    emit(HarvestEvent::Kind::Batch,
         type,
         {},
         "committed batch " + std::to_string(sum_.batches) + ": " +
             plural(written, "card", "cards") + " (" + what + ", revision " +
             std::to_string(writer_->revision()) + ")");
    return Ok{};
}

Status Harvester::retry_failed(CardType type, TypeState& ts) {
    if (ts.failed.empty()) return Ok{};
    emit(HarvestEvent::Kind::Note,
         type,
         {},
         type_name(type) + ": trying again " + plural(ts.failed.size(), "card", "cards") +
             " that failed before");
    std::vector<ingest::HubItem> items;
    std::vector<harvesting::FailedCard> keep;
    for (const auto& f : ts.failed) {
        if (stopping()) return Ok{};
        // The info endpoint's full answer has what the full listing form has.
        const std::string query = listing_query(type);
        const std::string target =
            origin_.origin() + base_path_ + "/api/" + type_name(type) + "s/" + encode_id(f.id) +
            (state_.listing_form == "full" ? std::string() : "?" + query.substr(1));
        auto url = harvesting::parse_url(target);
        auto res = url ? lister_->get(url.value()) : Result<harvesting::Response>(url.error());
        if (!res) {
            if (stopping()) return Ok{};
            ++sum_.failed;
            emit(HarvestEvent::Kind::Failed, type, f.id, res.error().message);
            keep.push_back({f.id, res.error().message});
            continue;
        }
        const std::string code = res->header("X-Error-Code");
        if ((res->status == 404 || res->status == 401) && code == "RepoNotFound") {
            emit(HarvestEvent::Kind::Note,
                 type,
                 f.id,
                 f.id + " is no longer at the origin (HTTP " + std::to_string(res->status) +
                     " RepoNotFound); it is not tried again");
            continue;
        }
        if (res->status != 200) {
            ++sum_.failed;
            const std::string why = "repository info: HTTP " + std::to_string(res->status) +
                                    (code.empty() ? "" : " " + code);
            emit(HarvestEvent::Kind::Failed, type, f.id, why);
            keep.push_back({f.id, why});
            continue;
        }
        ++sum_.listed;
        auto item = ingest::read_hub_item(res->body, type, url->str());
        if (item.rejection) {
            ++sum_.failed;
            emit(HarvestEvent::Kind::Rejected,
                 type,
                 f.id,
                 item.rejection->source + ": " + item.rejection->reason + ": " +
                     item.rejection->message);
            continue;
        }
        items.push_back(std::move(item));
    }
    ts.failed = std::move(keep);
    if (!items.empty()) {
        if (auto st = commit(type, ts, std::move(items), type_name(type) + ", cards tried again");
            !st) {
            return st;
        }
        if (sum_.interrupted) return Ok{};
    }
    return save();
}

Status Harvester::run_pass(CardType type, TypeState& ts, bool resumed) {
    PassState& pass = *ts.pass;
    const auto since_ms =
        pass.since.empty() ? std::nullopt : harvesting::parse_iso8601_ms(pass.since);
    bool first_request = true;
    bool sorted = true;  // the origin answers in lastModified order (checked as it pages)
    std::optional<std::int64_t> previous;
    while (!pass.next.empty()) {
        if (stopping()) {
            sum_.interrupted = true;
            return Ok{};
        }
        auto url = harvesting::parse_url(pass.next);
        if (!url) return std::move(url).error();
        unsigned attempts = 0;
        auto res = lister_->get(url.value(), &attempts);
        if (!res) {
            if (stopping()) {
                sum_.interrupted = true;
                return Ok{};
            }
            return make_error(
                res.error().code,
                "listing page " + std::to_string(pass.pages + 1) + ": " + res.error().message);
        }
        if (res->status != 200) {
            if (res->status == 400 && pass.pages == 0 && state_.listing_form != "full") {
                // An origin that does not read expand= (an older server, or one that lists
                // only with full=true&cardData=true): the same listing in that form.
                emit(HarvestEvent::Kind::Note,
                     type,
                     {},
                     type_name(type) + ": the origin refused the expand= listing (HTTP 400 " +
                         res->header("X-Error-Message").substr(0, 200) +
                         "); listing with full=true&cardData=true instead (without "
                         "downloadsAllTime, usedStorage, safetensors and gguf)");
                state_.listing_form = "full";
                pass.next = first_page(type);
                first_request = false;
                continue;
            }
            if (resumed && first_request && res->status == 400 && pass.pages > 0) {
                // The origin no longer reads the saved cursor (a cardex origin reindexed
                // meanwhile: "cursor expired"). Upserts are by id: starting again is safe.
                emit(HarvestEvent::Kind::Note,
                     type,
                     {},
                     type_name(type) + ": the origin refused the saved page (HTTP 400 " +
                         res->header("X-Error-Message").substr(0, 200) +
                         "); this pass starts again from its first page");
                pass.next = first_page(type);
                pass.pages = 0;
                first_request = false;
                continue;
            }
            std::string why = "listing " + url->str() + ": HTTP " + std::to_string(res->status);
            if (auto m = res->header("X-Error-Message"); !m.empty()) why += ": " + m.substr(0, 200);
            if (attempts > 1) why += " (after " + std::to_string(attempts) + " attempts)";
            return make_error(Errc::Unavailable, why);
        }
        first_request = false;
        auto items = ingest::read_hub_listing(res->body, type, url->str());
        if (!items) {
            return make_error(Errc::Unavailable,
                              items.error().message +
                                  "; the harvest stops at this page and "
                                  "resumes there",
                              items.error().detail);
        }
        std::string next;
        if (const std::string link = harvesting::next_link(res->headers_named("Link"));
            !link.empty()) {
            auto resolved = harvesting::resolve_url(url.value(), link);
            if (!resolved) return std::move(resolved).error();
            next = resolved->str();
        }
        sum_.listed += items->size();
        pass.listed += items->size();
        bool reached = false;  // an item not after `since`: the pass ends with this page
        std::vector<ingest::HubItem> todo;
        std::size_t rejected = 0;  // items of this page that cannot become cards
        for (auto& item : items.value()) {
            const auto lm = harvesting::parse_iso8601_ms(item.last_modified);
            if (lm && previous && *lm > *previous && sorted) {
                sorted = false;
                emit(HarvestEvent::Kind::Note,
                     type,
                     {},
                     type_name(type) +
                         ": the origin does not list newest first; every page "
                         "is read");
            }
            if (lm) previous = lm;
            if (since_ms && (!lm || *lm <= *since_ms)) {
                if (sorted) {
                    reached = true;
                    break;
                }
                continue;
            }
            const auto hw = harvesting::parse_iso8601_ms(pass.high_water);
            if (lm && (!hw || *lm > *hw)) pass.high_water = item.last_modified;
            if (item.rejection) {
                ++sum_.failed;
                ++rejected;
                emit(HarvestEvent::Kind::Rejected,
                     type,
                     item.repo_id,
                     item.rejection->source + ": " + item.rejection->reason + ": " +
                         item.rejection->message);
                continue;
            }
            todo.push_back(std::move(item));
        }
        std::string listed_ids;
        for (const auto& item : todo) listed_ids.append(item.repo_id).push_back('\n');
        const std::size_t failed_before = sum_.failed;
        const std::string what = type_name(type) + ", page " + std::to_string(pass.pages + 1);
        if (auto st = commit(type, ts, std::move(todo), what); !st) return st;
        if (sum_.interrupted) return Ok{};
        pass.failures += sum_.failed - failed_before + rejected;
        if (pass.since.empty()) {
            // Before the checkpoint: a page listed twice (a crash between the two) is only
            // a repeated line.
            std::ofstream f(listed_file(type), std::ios::app | std::ios::binary);
            f << listed_ids;
        }
        ++pass.pages;
        pass.next = reached ? std::string() : next;
        if (pass.next.empty()) {
            const auto hw = harvesting::parse_iso8601_ms(pass.high_water);
            const auto old = harvesting::parse_iso8601_ms(ts.high_water);
            if (hw && (!old || *hw > *old)) ts.high_water = pass.high_water;
            if (pass.since.empty()) state_.renumber_pending = true;
            emit(HarvestEvent::Kind::Note,
                 type,
                 {},
                 type_name(type) + ": pass complete: " + plural(pass.listed, "item", "items") +
                     " listed in " + plural(pass.pages, "page", "pages") +
                     (ts.high_water.empty() ? "" : "; high-water mark " + ts.high_water));
            if (pass.since.empty()) {
                if (auto st = prune(type, pass); !st) return st;
                if (sum_.interrupted) return Ok{};
            }
            ts.pass.reset();
        }
        if (auto st = save(); !st) return st;
        if (!ts.pass) return Ok{};
    }
    return Ok{};
}

// After a complete full pass: the mirror's cards of `type` that the origin did not list are
// deleted, each once the origin says it is gone (its info answers RepoNotFound). A card the
// pass missed because it changed while the pass ran (it moved ahead of the cursor) is still
// at the origin, and kept. Nothing is deleted after a pass in which a card failed, nor when
// the record of listed ids is shorter than the pass's count (it was lost).
Status Harvester::prune(CardType type, const PassState& pass) {
    const std::string path = listed_file(type);
    auto done = [&] {
        std::error_code ec;
        fs::remove(path, ec);
        return Ok{};
    };
    if (pass.failures > 0) {
        emit(HarvestEvent::Kind::Note,
             type,
             {},
             type_name(type) + ": nothing deleted: " + plural(pass.failures, "card", "cards") +
                 " of this pass failed, so what the origin no longer lists is not known");
        return done();
    }
    std::unordered_set<std::string> listed;
    std::uint64_t lines = 0;
    {
        std::ifstream f(path, std::ios::binary);
        for (std::string line; std::getline(f, line);) {
            ++lines;
            listed.insert(std::move(line));
        }
    }
    if (lines < pass.listed) {
        emit(HarvestEvent::Kind::Note,
             type,
             {},
             type_name(type) + ": nothing deleted: the record of listed ids (" + path + ") holds " +
                 std::to_string(lines) + " of " + std::to_string(pass.listed));
        return done();
    }
    auto ids = mirror_ids(opt_.index, type);
    if (!ids) return std::move(ids).error();
    std::vector<index::CardKey> gone;
    std::size_t kept = 0;
    for (const auto& id : ids.value()) {
        if (listed.count(id) > 0) continue;
        if (stopping()) {
            sum_.interrupted = true;
            return Ok{};
        }
        const std::string target = origin_.origin() + base_path_ + "/api/" + type_name(type) +
                                   "s/" + encode_id(id) +
                                   (state_.listing_form == "full" ? "" : "?expand=lastModified");
        auto url = harvesting::parse_url(target);
        auto res = url ? lister_->get(url.value()) : Result<harvesting::Response>(url.error());
        if (res && (res->status == 404 || res->status == 401) &&
            res->header("X-Error-Code") == "RepoNotFound") {
            gone.push_back({type, id});
        } else {
            ++kept;  // still there, or not known: never deleted on a guess
        }
    }
    if (kept > 0) {
        emit(HarvestEvent::Kind::Note,
             type,
             {},
             type_name(type) + ": " + plural(kept, "card", "cards") +
                 " not listed but not confirmed gone by the origin (changed while the pass ran, "
                 "or not answered) kept");
    }
    if (!gone.empty()) {
        auto n = writer_->remove(gone);
        if (!n) return std::move(n).error();
        sum_.deleted += n.value();
        emit(HarvestEvent::Kind::Batch,
             type,
             {},
             "deleted " + plural(n.value(), "card", "cards") + " the origin no longer has (" +
                 type_name(type) + ", revision " + std::to_string(writer_->revision()) + ")");
    }
    return done();
}

Status Harvester::renumber() {
    writer_.reset();
    emit(HarvestEvent::Kind::Note,
         CardType::Model,
         {},
         "renumbering the index in downloads order, as a reindex numbers it");
    index::WriterLock lock(opt_.index, opt_.wait_for_lock, std::chrono::seconds(10));
    if (!lock.held()) {
        emit(HarvestEvent::Kind::Note,
             CardType::Model,
             {},
             "not renumbered now (" + lock.error().message + "); the next harvest will");
        return Ok{};
    }
    index::BuildOptions bo;
    bo.held_lock = &lock;
    auto done = index::renumber_index(opt_.index, bo);
    if (!done) return std::move(done).error();
    sum_.renumbered = true;
    state_.renumber_pending = false;
    return save();
}

Result<HarvestSummary> Harvester::run() {
    const auto t0 = std::chrono::steady_clock::now();
    if (auto st = prepare(); !st) return std::move(st).error();
    for (const CardType type : opt_.types) {
        TypeState& ts = state_.types[type_name(type)];
        if (auto st = retry_failed(type, ts); !st) return std::move(st).error();
        if (sum_.interrupted || stopping()) break;
        // A pass under way resumes, unless this run asks for another lower bound.
        bool resumed = ts.pass && (opt_.since.empty() || ts.pass->since == opt_.since);
        if (resumed) {
            emit(HarvestEvent::Kind::Note,
                 type,
                 {},
                 type_name(type) + ": resuming after page " + std::to_string(ts.pass->pages) +
                     " (" + plural(ts.pass->listed, "item", "items") + " listed before)");
        } else {
            PassState pass;
            pass.since = opt_.since.empty() ? ts.high_water : opt_.since;
            pass.next = first_page(type);
            ts.pass = pass;
            std::error_code ec;
            fs::remove(listed_file(type), ec);  // a full pass begins its record of ids
            emit(HarvestEvent::Kind::Note,
                 type,
                 {},
                 type_name(type) + ": " +
                     (pass.since.empty() ? std::string("full pass")
                                         : "cards modified after " + pass.since));
        }
        if (auto st = run_pass(type, ts, resumed); !st) return std::move(st).error();
        if (sum_.interrupted) break;
    }
    if (!sum_.interrupted && !stopping() && state_.renumber_pending) {
        if (auto st = renumber(); !st) return std::move(st).error();
    }
    sum_.interrupted = sum_.interrupted || stopping();
    for (const auto& f : fetchers_) sum_.retried += f->retried();
    sum_.retried += lister_->retried();
    for (const auto& [name, ts] : state_.types) sum_.pending += ts.failed.size();
    sum_.listing_form = state_.listing_form == "full" ? "full=true&cardData=true" : "expand";
    sum_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return sum_;
}

}  // namespace

Result<HarvestSummary> harvest(const HarvestOptions& options) {
    try {
        Harvester h(options);
        return h.run();
    } catch (const std::exception& e) {  // bad_alloc and the like: no exception crosses
        return make_error(Errc::Internal, std::string("harvest failed: ") + e.what());
    }
}

}  // namespace cardex::server
