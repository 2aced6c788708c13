#include "markdown.h"

#include <md4c.h>

namespace cardex::ingest {

namespace {

struct State {
    MarkdownText out;
    int image_depth = 0;
    int html_block = 0;
    int heading = 0;  // > 0 inside a heading
    int paragraph = 0;
    int table_or_quote = 0;
    int code_block = 0;
    std::string heading_buf;
    std::string para_buf;
};

void sep(std::string& s, char c) {
    if (!s.empty() && s.back() != ' ' && s.back() != '\n') s.push_back(c);
}

int enter_block(MD_BLOCKTYPE type, void* detail, void* ud) {
    auto* st = static_cast<State*>(ud);
    switch (type) {
        case MD_BLOCK_HTML:
            ++st->html_block;
            break;
        case MD_BLOCK_H: {
            ++st->heading;
            st->heading_buf.clear();
            // The previous section ends where this heading's words start.
            auto& sections = st->out.sections;
            if (!sections.empty()) sections.back().end = st->out.text.size();
            TextSection s;
            s.level = static_cast<int>(static_cast<const MD_BLOCK_H_DETAIL*>(detail)->level);
            s.heading_at = st->out.text.size();
            sections.push_back(std::move(s));
            break;
        }
        case MD_BLOCK_P:
            ++st->paragraph;
            st->para_buf.clear();
            break;
        case MD_BLOCK_TABLE:
        case MD_BLOCK_QUOTE:
            ++st->table_or_quote;
            break;
        case MD_BLOCK_CODE:
            ++st->code_block;
            break;
        default:
            break;
    }
    return 0;
}

// The first paragraph worth showing as a description: real prose, not a badge row, a
// lone link or a table.
bool prose_like(std::string_view p) {
    if (p.size() < 40) return false;
    std::size_t letters = 0, spaces = 0;
    for (unsigned char c : p) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80) ++letters;
        if (c == ' ') ++spaces;
    }
    return spaces >= 5 && letters * 2 > p.size();
}

int leave_block(MD_BLOCKTYPE type, void*, void* ud) {
    auto* st = static_cast<State*>(ud);
    switch (type) {
        case MD_BLOCK_HTML:
            --st->html_block;
            break;
        case MD_BLOCK_H:
            --st->heading;
            if (!st->out.sections.empty()) {
                st->out.sections.back().begin = st->out.text.size();
            }
            if (st->out.first_heading.empty()) {
                std::string h = st->heading_buf;
                while (!h.empty() && h.back() == ' ') h.pop_back();
                st->out.first_heading = h;
            }
            break;
        case MD_BLOCK_P:
            --st->paragraph;
            if (st->out.first_paragraph.empty() && st->table_or_quote == 0 &&
                prose_like(st->para_buf)) {
                st->out.first_paragraph = st->para_buf;
            }
            break;
        case MD_BLOCK_TABLE:
        case MD_BLOCK_QUOTE:
            --st->table_or_quote;
            break;
        case MD_BLOCK_CODE:
            --st->code_block;
            break;
        default:
            break;
    }
    sep(st->out.text, '\n');
    return 0;
}

int enter_span(MD_SPANTYPE type, void*, void* ud) {
    auto* st = static_cast<State*>(ud);
    if (type == MD_SPAN_IMG) ++st->image_depth;
    return 0;
}

int leave_span(MD_SPANTYPE type, void*, void* ud) {
    auto* st = static_cast<State*>(ud);
    if (type == MD_SPAN_IMG) --st->image_depth;
    return 0;
}

int on_text(MD_TEXTTYPE type, const MD_CHAR* text, MD_SIZE size, void* ud) {
    auto* st = static_cast<State*>(ud);
    if (st->image_depth > 0 || st->html_block > 0 || type == MD_TEXT_HTML) return 0;
    std::string_view t(text, size);
    if (type == MD_TEXT_NULLCHAR) t = "\xEF\xBF\xBD";
    if (type == MD_TEXT_BR || type == MD_TEXT_SOFTBR) t = " ";
    st->out.text.append(t);
    // The first heading and the first prose paragraph are all that is kept of them.
    if (st->heading > 0 && st->out.first_heading.empty()) st->heading_buf.append(t);
    if (st->heading > 0 && !st->out.sections.empty()) {
        auto& h = st->out.sections.back().heading;
        if (h.size() < kMaxHeadingBytes) h.append(t.substr(0, kMaxHeadingBytes - h.size()));
    }
    if (st->paragraph > 0 && st->out.first_paragraph.empty() && st->para_buf.size() < 2000) {
        st->para_buf.append(t);
    }
    return 0;
}

}  // namespace

MarkdownText markdown_to_text(std::string_view markdown) {
    State st;
    st.out.text.reserve(markdown.size());
    MD_PARSER parser{};
    parser.abi_version = 0;
    // GitHub's dialect without its permissive autolinks: an autolink's text is the same
    // text either way, and scanning every '.', '@' and ':' for them costs md4c time.
    parser.flags = MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH | MD_FLAG_TASKLISTS;
    parser.enter_block = enter_block;
    parser.leave_block = leave_block;
    parser.enter_span = enter_span;
    parser.leave_span = leave_span;
    parser.text = on_text;
    md_parse(markdown.data(), static_cast<MD_SIZE>(markdown.size()), &parser, &st);
    if (!st.out.sections.empty()) st.out.sections.back().end = st.out.text.size();
    return std::move(st.out);
}

}  // namespace cardex::ingest
