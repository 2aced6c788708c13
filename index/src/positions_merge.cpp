// The position store's merge (positions.h: merge_position_files): the segments' stores
// concatenated term by term into one, streams copied undecoded.
#include <algorithm>
#include <queue>
#include <string>
#include <vector>

#include "positions_format.h"

namespace cardex::index {

using namespace posfile;

Status merge_position_files(const std::vector<std::string>& inputs, const std::string& output) {
    if (inputs.empty())
        return make_error(Errc::InvalidArgument, "no position stores to merge", output);
    // Writing over an input would truncate the file its mapping reads (SIGBUS).
    for (const auto& p : inputs) {
        std::error_code ec;
        if (p == output || std::filesystem::equivalent(p, output, ec))
            return make_error(
                Errc::InvalidArgument, "a merge cannot write over one of its inputs", output);
    }
    std::vector<std::shared_ptr<const PositionStore>> in;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        auto s = PositionStore::open(inputs[i]);
        if (!s) return std::move(s).error();
        if (i > 0 && s.value()->first_docid() != in.back()->last_docid() + 1)
            return make_error(Errc::InvalidArgument,
                              "position stores to merge do not follow one another: docids " +
                                  std::to_string(s.value()->first_docid()) + " after " +
                                  std::to_string(in.back()->last_docid()),
                              inputs[i]);
        // Streams are concatenated as they are, so their entries must be encoded alike.
        if (i > 0 && s.value()->impl_->version != in.back()->impl_->version)
            return make_error(Errc::InvalidArgument,
                              "position stores to merge are of versions " +
                                  std::to_string(in.back()->impl_->version) + " and " +
                                  std::to_string(s.value()->impl_->version),
                              inputs[i]);
        in.push_back(std::move(s).value());
    }
    // Streams are copied without being decoded, and the output's CRC is computed over what
    // is copied: a damaged input would otherwise come out as a store that verifies. After
    // the checks above, so that inputs that cannot be merged say why, not that one of them
    // is damaged. Cost: a read of every input (0.4% of a 1M-card reindex).
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (auto st = in[i]->verify(); !st) return st;
    }
    auto corrupt = [&](std::size_t i, std::string_view term) -> Error {
        return make_error(
            Errc::DataLoss,
            "the position store is corrupt: term '" + std::string(term.substr(0, 64)) + "'",
            inputs[i]);
    };
    // Each input's next term entry, smallest name first (ties: input order).
    struct Head {
        std::string_view name;
        std::size_t input;
        std::uint64_t entry;
    };
    auto later = [](const Head& a, const Head& b) {
        return a.name != b.name ? a.name > b.name : a.input > b.input;
    };
    std::priority_queue<Head, std::vector<Head>, decltype(later)> heap(later);
    auto push = [&](std::size_t i, std::uint64_t e) -> Status {
        if (e >= in[i]->impl_->terms) return Ok{};
        bool ok = true;
        const std::string_view n = in[i]->impl_->name(e, ok);
        if (!ok) return corrupt(i, "");
        heap.push({n, i, e});
        return Ok{};
    };
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (auto st = push(i, 0); !st) return st;
    }
    const bool v1 = in.front()->impl_->version == 1;
    FileWriter w(output, in.front()->impl_->version);
    if (auto st = w.open(); !st) return st;
    // Per term, two walks over the inputs that hold it: the first checks each input's
    // section and rewrites its skips (offsets move by the rewritten first delta), the
    // second copies the streams from the mappings straight into the file. Memory: the
    // term's skips (12 bytes per 64 cards), never its stream.
    struct Part {
        const unsigned char* from = nullptr;  // the stream after its first delta
        const unsigned char* end = nullptr;
        std::size_t input = 0;
        std::size_t head_bytes = 0;  // the first delta, rewritten, at the front of `heads`
    };
    std::string skips, heads, head;
    std::vector<Head> same;
    std::vector<Part> parts;
    while (!heap.empty()) {
        same.clear();
        same.push_back(heap.top());
        heap.pop();
        while (!heap.empty() && heap.top().name == same.front().name) {
            same.push_back(heap.top());
            heap.pop();
        }
        const std::string_view name = same.front().name;
        skips.clear();
        heads.clear();
        parts.clear();
        std::uint64_t stream_bytes = 0;
        std::uint32_t cards = 0, last = 0, skip_count = 0;
        for (const Head& h : same) {
            Section s;
            if (!in[h.input]->impl_->section(h.entry, s)) return corrupt(h.input, name);
            if (s.cards == 0) continue;
            // The first entry's delta is from 0 in its own file: from `last` here.
            const unsigned char* p = s.stream;
            const unsigned char* end = s.stream + s.stream_bytes;
            std::uint32_t first_card = 0;
            bool several = false;
            const bool head_ok =
                v1 ? get_varint(p, end, first_card) : get_head(p, end, first_card, several);
            if (!head_ok || first_card <= last || s.skip_count == 0 ||
                get_u32(s.skips) != first_card || get_u32(s.skips + 8) != 0 || s.last < first_card)
                return corrupt(h.input, name);
            const std::size_t old_len = static_cast<std::size_t>(p - s.stream);
            const std::uint64_t base = stream_bytes;
            head.clear();
            if (v1) {
                put_varint(head, first_card - last);
            } else {
                put_varint64(head, entry_head(first_card - last, several));
            }
            heads += head;
            const std::size_t new_len = head.size();
            stream_bytes += new_len + static_cast<std::size_t>(end - p);
            if (stream_bytes > kMaxU32)
                return make_error(Errc::ResourceExhausted,
                                  "a term's positions exceed 4 GB in one store file",
                                  std::string(name.substr(0, 64)));
            for (std::uint32_t k = 0; k < s.skip_count; ++k) {
                const unsigned char* e = s.skips + std::size_t{k} * kSkipBytes;
                const std::uint32_t off = get_u32(e + 8);
                if (k > 0 && (off < old_len || off > s.stream_bytes)) return corrupt(h.input, name);
                put_u32(skips, get_u32(e));
                put_u32(skips, k == 0 ? last : get_u32(e + 4));
                put_u32(skips,
                        static_cast<std::uint32_t>(k == 0 ? base : base + off - old_len + new_len));
            }
            skip_count += s.skip_count;
            cards += s.cards;
            last = s.last;
            parts.push_back({p, end, h.input, new_len});
        }
        std::string section_head;
        put_u32(section_head, skip_count);
        put_u32(section_head, cards);
        put_u32(section_head, last);
        w.begin_term();
        if (auto st = w.append(section_head.data(), section_head.size()); !st) return st;
        if (auto st = w.append(skips.data(), skips.size()); !st) return st;
        std::size_t at = 0;  // in `heads`
        for (const Part& part : parts) {
            if (auto st = w.append(heads.data() + at, part.head_bytes); !st) return st;
            at += part.head_bytes;
            // In steps of the release window: a long stream's pages go as they are copied.
            for (const unsigned char* p = part.from; p < part.end;) {
                const std::size_t n =
                    std::min(kReleaseBytes, static_cast<std::size_t>(part.end - p));
                if (auto st = w.append(p, n); !st) return st;
                p += n;
                in[part.input]->impl_->release_before(
                    static_cast<std::size_t>(p - in[part.input]->impl_->base));
            }
        }
        if (auto st = w.end_term(name); !st) return st;
        for (const Head& h : same) {
            if (auto st = push(h.input, h.entry + 1); !st) return st;
        }
    }
    return w.finish(in.front()->first_docid(), in.back()->last_docid());
}

}  // namespace cardex::index
