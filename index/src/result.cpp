#include "cardex/index/result.h"

namespace cardex {

const char* errc_name(Errc code) noexcept {
    switch (code) {
        case Errc::InvalidArgument: return "invalid_argument";
        case Errc::NotFound: return "not_found";
        case Errc::AlreadyExists: return "already_exists";
        case Errc::FailedPrecondition: return "failed_precondition";
        case Errc::Unavailable: return "unavailable";
        case Errc::ResourceExhausted: return "resource_exhausted";
        case Errc::DeadlineExceeded: return "deadline_exceeded";
        case Errc::DataLoss: return "data_loss";
        case Errc::Internal: return "internal";
    }
    return "internal";
}

}  // namespace cardex
