// Reading a source's bytes (files, stdin, gzip, zstd) and small helpers shared by formats.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include <charconv>
#include <cmath>
#include <cstdio>

#include "source_job.h"
#include "text_util.h"

namespace cardex::ingest {

SourceBytes::SourceBytes(SourceBytes&& o) noexcept
    : text_(std::move(o.text_)),
      map_(std::exchange(o.map_, nullptr)),
      map_size_(o.map_size_),
      map_length_(o.map_length_) {}

SourceBytes& SourceBytes::operator=(SourceBytes&& o) noexcept {
    if (this != &o) {
        if (map_) ::munmap(map_, map_length_);
        text_ = std::move(o.text_);
        map_ = std::exchange(o.map_, nullptr);
        map_size_ = o.map_size_;
        map_length_ = o.map_length_;
    }
    return *this;
}

SourceBytes::~SourceBytes() {
    if (map_) ::munmap(map_, map_length_);
}

Result<SourceBytes> SourceBytes::map(int fd, std::size_t size) {
    const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    const std::size_t padded = size + simdjson::SIMDJSON_PADDING;
    const std::size_t length = (padded + page - 1) / page * page;
    // Anonymous zero pages first, the file over their start: the padding after the content
    // is then readable zeros even where the file ends exactly at a page boundary (a file
    // mapping past its end would fault).
    void* area = ::mmap(nullptr, length, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED)
        return make_error(Errc::ResourceExhausted,
                          std::string("cannot map: ") + std::strerror(errno));
    if (size > 0 && ::mmap(area, size, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED) {
        const int err = errno;
        ::munmap(area, length);
        return make_error(Errc::Internal, std::string("cannot map: ") + std::strerror(err));
    }
    ::madvise(area, size, MADV_SEQUENTIAL);
    SourceBytes b;
    b.map_ = static_cast<char*>(area);
    b.map_size_ = padded;
    b.map_length_ = length;
    return b;
}

void SourceBytes::release(std::size_t offset) const {
    if (!map_) return;
    const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    const std::size_t upto = std::min(offset, map_size_) / page * page;
    // Clean private pages of a file: dropped here, read from the file again if touched.
    if (upto > 0) ::madvise(map_, upto, MADV_DONTNEED);
}

namespace {

// Where decompressed bytes go: memory until they pass `map_above`, then an unlinked
// temporary file that is mapped at the end.
class Output {
  public:
    explicit Output(std::size_t map_above) : map_above_(map_above) {}
    ~Output() {
        if (fd_ >= 0) ::close(fd_);
    }
    Status append(const char* data, std::size_t n) {
        if (fd_ < 0 && mem_.size() + n > map_above_) {
            if (auto st = spill(); !st) return st;
        }
        if (fd_ < 0) {
            mem_.append(data, n);
            return Ok{};
        }
        size_ += n;
        return write_all(data, n);
    }
    Result<Loaded> finish() {
        Loaded l;
        if (fd_ < 0) {
            l.size = mem_.size();
            mem_.append(simdjson::SIMDJSON_PADDING, '\0');
            l.bytes = SourceBytes(std::move(mem_));
            return l;
        }
        auto m = SourceBytes::map(fd_, size_);
        if (!m) return std::move(m).error();
        l.size = size_;
        l.bytes = std::move(m).value();
        return l;
    }

  private:
    Status spill() {
        const char* env = std::getenv("TMPDIR");
        const std::string dir = env && *env ? env : "/tmp";
        fd_ = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (fd_ < 0) {
            // O_TMPFILE is not on every file system: a named file, unlinked at once.
            std::string name = dir + "/cardex-source-XXXXXX";
            fd_ = ::mkostemp(name.data(), O_CLOEXEC);
            if (fd_ >= 0) ::unlink(name.c_str());
        }
        if (fd_ < 0)
            return make_error(Errc::Internal,
                              std::string("cannot create a temporary file for the source: ") +
                                  std::strerror(errno),
                              dir);
        size_ = mem_.size();
        auto st = write_all(mem_.data(), mem_.size());
        mem_ = std::string();
        return st;
    }
    Status write_all(const char* data, std::size_t n) {
        while (n > 0) {
            const ssize_t w = ::write(fd_, data, n);
            if (w < 0 && errno == EINTR) continue;
            if (w < 0)
                return make_error(errno == ENOSPC ? Errc::ResourceExhausted : Errc::Internal,
                                  std::string("cannot write the temporary copy of the source: ") +
                                      std::strerror(errno));
            data += w;
            n -= static_cast<std::size_t>(w);
        }
        return Ok{};
    }

    std::size_t map_above_;
    std::string mem_;
    int fd_ = -1;
    std::size_t size_ = 0;
};

Status copy_plain(std::FILE* f, const std::string& head, Output& out) {
    if (auto st = out.append(head.data(), head.size()); !st) return st;
    char buf[1 << 16];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
        if (auto st = out.append(buf, n); !st) return st;
    }
    if (std::ferror(f)) return make_error(Errc::Internal, "read error");
    return Ok{};
}

Status gunzip(std::FILE* f, const std::string& head, Output& out) {
    z_stream zs{};
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return make_error(Errc::Internal, "zlib");
    std::string in;
    bool head_used = false, eof = false;
    char chunk[1 << 16];
    std::vector<char> buf(1 << 16);
    // More input when the decoder has used what it had: the bytes already read, then the file.
    auto refill = [&] {
        if (zs.avail_in > 0 || eof) return;
        if (!head_used) {
            in = head;
            head_used = true;
        } else {
            in.assign(chunk, std::fread(chunk, 1, sizeof chunk, f));
        }
        eof = in.empty();
        zs.next_in = reinterpret_cast<Bytef*>(in.data());
        zs.avail_in = static_cast<uInt>(in.size());
    };
    int rc = Z_OK;
    Status st = Ok{};
    for (;;) {
        refill();
        if (zs.avail_in == 0) break;
        zs.next_out = reinterpret_cast<Bytef*>(buf.data());
        zs.avail_out = static_cast<uInt>(buf.size());
        rc = inflate(&zs, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
            st = make_error(Errc::InvalidArgument, "corrupt gzip stream");
            break;
        }
        if (st = out.append(buf.data(), buf.size() - zs.avail_out); !st) break;
        if (rc == Z_STREAM_END) {
            // Concatenated gzip members (what `cat a.gz b.gz` gives) are one stream to gzip(1).
            refill();
            if (zs.avail_in == 0) break;
            if (inflateReset(&zs) != Z_OK) break;
            rc = Z_OK;
        }
    }
    inflateEnd(&zs);
    if (!st) return st;
    if (std::ferror(f)) return make_error(Errc::Internal, "read error");
    if (rc != Z_STREAM_END) return make_error(Errc::InvalidArgument, "truncated gzip stream");
    return Ok{};
}

Status unzstd(std::FILE* f, const std::string& head, Output& out) {
    std::unique_ptr<ZSTD_DStream, decltype(&ZSTD_freeDStream)> ds(ZSTD_createDStream(),
                                                                  &ZSTD_freeDStream);
    std::string in = head;
    char chunk[1 << 16];
    std::vector<char> buf(1 << 16);
    std::size_t last = 0;
    for (;;) {
        in.append(chunk, std::fread(chunk, 1, sizeof chunk, f));
        if (in.empty()) break;  // the end of the file; `last` says whether the frame ended
        ZSTD_inBuffer ib{in.data(), in.size(), 0};
        // Until the input is used up and the decoder has flushed what it holds.
        for (;;) {
            ZSTD_outBuffer ob{buf.data(), buf.size(), 0};
            last = ZSTD_decompressStream(ds.get(), &ob, &ib);
            if (ZSTD_isError(last)) return make_error(Errc::InvalidArgument, "corrupt zstd stream");
            if (auto st = out.append(buf.data(), ob.pos); !st) return st;
            if (ib.pos == ib.size && ob.pos < ob.size) break;
        }
        in.clear();
    }
    if (std::ferror(f)) return make_error(Errc::Internal, "read error");
    if (last != 0) return make_error(Errc::InvalidArgument, "truncated zstd stream");
    return Ok{};
}

}  // namespace

Result<Loaded> load_source(const std::string& path, std::size_t map_above) {
    std::FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
    if (!f) return make_error(Errc::NotFound, "cannot open source", path);
    struct Closer {
        std::FILE* f;
        ~Closer() {
            if (f != stdin) std::fclose(f);
        }
    } closer{f};
    // The first bytes say whether it is compressed.
    std::string head(4, '\0');
    head.resize(std::fread(head.data(), 1, head.size(), f));
    const auto* u = reinterpret_cast<const unsigned char*>(head.data());
    const bool gz = head.size() >= 2 && u[0] == 0x1f && u[1] == 0x8b;
    const bool zst =
        head.size() >= 4 && u[0] == 0x28 && u[1] == 0xb5 && u[2] == 0x2f && u[3] == 0xfd;
    struct stat st {};
    if (!gz && !zst && f != stdin && ::fstat(::fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
        static_cast<std::size_t>(st.st_size) > map_above) {
        // A large plain file: mapped as it is, no copy at all.
        auto m = SourceBytes::map(::fileno(f), static_cast<std::size_t>(st.st_size));
        if (!m) return make_error(m.error().code, m.error().message, path);
        Loaded l;
        l.size = static_cast<std::size_t>(st.st_size);
        l.bytes = std::move(m).value();
        return l;
    }
    Output out(map_above);
    Status done = gz ? gunzip(f, head, out) : zst ? unzstd(f, head, out) : copy_plain(f, head, out);
    if (!done) return make_error(done.error().code, done.error().message, path);
    auto l = out.finish();
    if (!l) return make_error(l.error().code, l.error().message, path);
    return l;
}

Result<std::string> read_source_bytes(const std::string& path) {
    // Callers want the bytes in memory, whatever their size.
    auto loaded = load_source(path, std::numeric_limits<std::size_t>::max());
    if (!loaded) return std::move(loaded).error();
    return std::string(loaded->bytes.data(), loaded->size);  // without simdjson's padding
}

std::optional<index::CardType> type_from_path(std::string_view path) {
    // Directory components first: ".../datasets/org/name/README.md".
    std::optional<index::CardType> dir_type;
    std::size_t start = 0;
    while (start < path.size()) {
        std::size_t slash = path.find('/', start);
        if (slash == std::string_view::npos) break;
        std::string_view part = path.substr(start, slash - start);
        if (part == "models") dir_type = index::CardType::Model;
        if (part == "datasets") dir_type = index::CardType::Dataset;
        if (part == "spaces") dir_type = index::CardType::Space;
        start = slash + 1;
    }
    if (dir_type) return dir_type;
    const std::string name = to_lower(path.substr(start));
    if (name.find("dataset") != std::string::npos) return index::CardType::Dataset;
    if (name.find("space") != std::string::npos) return index::CardType::Space;
    if (name.find("model") != std::string::npos) return index::CardType::Model;
    return std::nullopt;
}

std::optional<index::CardType> type_from_url(std::string_view url) {
    if (url.find("/datasets/") != std::string_view::npos) return index::CardType::Dataset;
    if (url.find("/spaces/") != std::string_view::npos) return index::CardType::Space;
    if (url.find("huggingface.co/") != std::string_view::npos ||
        url.find("hf.co/") != std::string_view::npos) {
        return index::CardType::Model;
    }
    return std::nullopt;
}

void fill_record(RawRecord& into, const RawRecord& from) {
    auto fill = [](auto& dst, const auto& src) {
        if (!dst && src) dst = src;
    };
    fill(into.downloads, from.downloads);
    fill(into.downloads_all_time, from.downloads_all_time);
    fill(into.likes, from.likes);
    fill(into.trending_score, from.trending_score);
    fill(into.created_at, from.created_at);
    fill(into.last_modified, from.last_modified);
    fill(into.author, from.author);
    fill(into.gated, from.gated);
    fill(into.is_private, from.is_private);
    fill(into.disabled, from.disabled);
    fill(into.used_storage, from.used_storage);
    fill(into.siblings_count, from.siblings_count);
    fill(into.spaces_count, from.spaces_count);
    fill(into.safetensors_json, from.safetensors_json);
    fill(into.safetensors_total, from.safetensors_total);
    fill(into.gguf_json, from.gguf_json);
    fill(into.gguf_total, from.gguf_total);
    fill(into.sdk, from.sdk);
    if (into.models.empty()) into.models = from.models;
    if (into.datasets.empty()) into.datasets = from.datasets;
    // The Hub's tags, pipeline_tag and library_name belong together: a record that has them
    // keeps its own; one that has not takes the other's set, absent values included.
    if (!into.hub_fields && from.hub_fields) {
        into.hub_fields = true;
        into.tags = from.tags;
        into.pipeline_tag = from.pipeline_tag;
        into.library_name = from.library_name;
    } else if (!into.hub_fields) {
        if (into.tags.empty()) into.tags = from.tags;
        fill(into.pipeline_tag, from.pipeline_tag);
        fill(into.library_name, from.library_name);
    }
    if (!into.card_data_json && !into.card_data_yaml) {
        into.card_data_json = from.card_data_json;
        into.card_data_yaml = from.card_data_yaml;
    }
    if (into.description.empty()) into.description = from.description;
}

std::optional<std::int64_t> parse_count(std::string_view text) {
    text = trim_view(text);
    if (text.empty()) return std::nullopt;
    std::int64_t n = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec == std::errc() && p == text.data() + text.size()) return n;
    // "1.2e3" and "42.0" are counts written by tools that went through floating point.
    double d = 0;
    auto [q, ec2] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (ec2 == std::errc() && q == text.data() + text.size() && std::isfinite(d) &&
        d == std::floor(d) && std::fabs(d) < 9e18) {
        return static_cast<std::int64_t>(d);
    }
    return std::nullopt;
}

}  // namespace cardex::ingest
