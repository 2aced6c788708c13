#include "listen_address.h"

#include <charconv>
#include <system_error>

namespace cardex::server {

std::optional<ListenAddress> parse_listen(std::string_view text) {
    ListenAddress out;
    std::string_view port_text;
    if (!text.empty() && text.front() == '[') {
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return std::nullopt;
        }
        out.host = std::string(text.substr(1, close - 1));
        port_text = text.substr(close + 2);
    } else {
        const std::size_t colon = text.rfind(':');
        if (colon == std::string_view::npos) return std::nullopt;
        out.host = std::string(text.substr(0, colon));
        port_text = text.substr(colon + 1);
    }
    unsigned port = 0;
    const auto r = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || r.ec != std::errc{} || r.ptr != port_text.data() + port_text.size() ||
        port > 65535) {
        return std::nullopt;
    }
    out.port = static_cast<unsigned short>(port);
    if (out.host.empty() || out.host == "*") out.host = "0.0.0.0";
    if (out.host == "localhost") out.host = "127.0.0.1";
    return out;
}

std::string url_of(const boost::asio::ip::tcp::endpoint& ep) {
    const auto addr = ep.address();
    std::string host = addr.to_string();
    if (addr.is_v6()) host = "[" + host + "]";
    return "http://" + host + ":" + std::to_string(ep.port());
}

}  // namespace cardex::server
