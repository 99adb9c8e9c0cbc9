// Private helpers of transport/net shared by its sources.
#pragma once

#include <string>
#include <string_view>

#include <zmq.hpp>

#include "ntrun/error.hpp"
#include "ntrun/transport/net.hpp"

namespace ntrun::transport::detail {

/// Sets the CURVE options on a socket before it binds or connects; throws ntrun::error
/// (invalid) for a malformed key, naming the field.
void apply_curve(zmq::socket_t& s, const curve_options& c);

/// The address a bind produced (ZMQ_LAST_ENDPOINT), e.g. tcp://127.0.0.1:41234.
std::string last_endpoint(zmq::socket_t& s);

/// A unique inproc address for a control pair.
std::string control_endpoint(std::string_view what);

[[noreturn]] inline void fail(status st, const std::string& what, const zmq::error_t& e) {
  throw error(st, what + ": " + e.what());
}

}  // namespace ntrun::transport::detail
