// CURVE authentication: key pairs, key files, and the ZAP handler that admits clients by an
// allow-list of public keys. ZeroMQ asks the handler at inproc://zeromq.zap.01 of the server
// socket's context during each CURVE handshake; start the handler before binding the server
// sockets (a CURVE server with no handler in its context admits every client with a key).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>

#include <zmq.hpp>

#include "ntrun/transport/net.hpp"

namespace ntrun::transport {

struct curve_keypair {
  std::string public_key{};  ///< Z85, 40 characters
  std::string secret_key{};  ///< Z85, 40 characters: keep it private
};

/// A fresh key pair (zmq_curve_keypair). Throws ntrun::error when libzmq lacks CURVE.
[[nodiscard]] curve_keypair keygen();
/// The public key of a secret key (zmq_curve_public).
[[nodiscard]] std::string curve_public(std::string_view secret_key);
/// True for a well-formed Z85 key (40 characters that decode).
[[nodiscard]] bool valid_key(std::string_view z85) noexcept;
/// Reads a key file written by `ntrun keygen` (the key on the first line; '#' lines skipped).
[[nodiscard]] std::string read_key_file(const std::string& path);
/// Writes PREFIX.key (the secret key, mode 0600) and PREFIX.pub; refuses to overwrite either.
void write_key_files(const std::string& prefix, const curve_keypair& keys);

/// A client the handler refused.
struct zap_refusal {
  std::string address{};     ///< the peer's address as ZeroMQ reports it (tcp: its IP)
  std::string public_key{};  ///< Z85 (empty for a non-CURVE mechanism)
  std::string mechanism{};   ///< "CURVE", "NULL", "PLAIN"
  std::string domain{};
};

struct zap_options {
  std::set<std::string> allowed{};  ///< Z85 public keys of the clients let in
  /// Called on the handler's thread for every refusal; absent: one line on stderr.
  std::function<void(const zap_refusal&)> on_refusal{};
};

struct zap_stats {
  std::uint64_t accepted = 0;
  std::uint64_t refused = 0;
};

/// Answers ZAP requests of one context on its own thread. One per context.
class zap_handler {
 public:
  explicit zap_handler(zap_options options, zmq::context_t& ctx = shared_context());
  ~zap_handler();
  zap_handler(const zap_handler&) = delete;
  zap_handler& operator=(const zap_handler&) = delete;

  /// Changes the allow-list at run time (any thread); new handshakes see it.
  void allow(const std::string& public_key);
  void revoke(const std::string& public_key);
  [[nodiscard]] zap_stats stats() const noexcept;
  /// Stops and joins the thread; idempotent.
  void stop();

 private:
  bool admitted(const std::string& key);
  zap_options options_;
  mutable std::mutex mutex_;  // guards options_.allowed
  std::atomic<std::uint64_t> accepted_{0}, refused_{0};
  std::unique_ptr<zmq::socket_t> control_;
  std::thread thread_;
};

}  // namespace ntrun::transport
