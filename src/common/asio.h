// Includes Boost.Asio and Beast. Boost 1.74's asio/awaitable.hpp uses std::exchange without
// including <utility>, which GCC 12's headers no longer pull in: include it first, and keep
// clang-format from reordering the two.
#pragma once

// clang-format off
#include <utility>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
// clang-format on
