#pragma once
// Errors and results that cross every cardex module boundary.
//
// No exception crosses a module API: functions return Result<T> (or Status), and the caller
// branches on has_value(). Choosing a code (after Abseil's guidance):
//   InvalidArgument    the caller's input is wrong whatever the state of the system
//                      (a query that does not parse, a bad cursor, a malformed card);
//   NotFound           a named thing (card id, index directory) does not exist;
//   AlreadyExists      creating something that is there already;
//   FailedPrecondition the system is not in a state to do it (index of another format
//                      version: reindex);
//   Unavailable        transient; retrying may work (writer lock held, index being swapped);
//   ResourceExhausted  a limit was hit (query too long, too many wildcard expansions);
//   DeadlineExceeded   a time budget ran out;
//   DataLoss           on-disk data is corrupt;
//   Internal           a bug or an unexpected library error.
#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace cardex {

enum class Errc : std::uint8_t {
    InvalidArgument,
    NotFound,
    AlreadyExists,
    FailedPrecondition,
    Unavailable,
    ResourceExhausted,
    DeadlineExceeded,
    DataLoss,
    Internal,
};

/// Stable lower-case name of a code ("invalid_argument"), for logs and API error bodies.
const char* errc_name(Errc code) noexcept;

/// An error: a code, a sentence for people, and the offending fragment (a query piece, a
/// field name, a path) when there is one.
struct Error {
    Errc code = Errc::Internal;
    std::string message;
    std::string detail;
};

/// Result<T>: a value or an Error, with std::expected's names. Move-only use is cheap;
/// copying copies the value.
template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
    Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit

    bool has_value() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    const Error& error() const& { return std::get<1>(v_); }
    Error&& error() && { return std::get<1>(std::move(v_)); }

    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

private:
    std::variant<T, Error> v_;
};

/// A result with no value.
struct Ok {};
using Status = Result<Ok>;

/// Builds an Error in one expression: `return make_error(Errc::NotFound, "no such card", id);`
inline Error make_error(Errc code, std::string message, std::string detail = {}) {
    return Error{code, std::move(message), std::move(detail)};
}

}  // namespace cardex
