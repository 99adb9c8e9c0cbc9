// CURVE: keys, key files, socket options, and the ZAP handler with its allow-list.
#include "ntrun/transport/curve.hpp"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <future>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detail.hpp"

namespace ntrun::transport {

namespace {

constexpr std::size_t z85_key_chars = 40;

void require_curve() {
  if (zmq_has("curve") == 0) {
    throw error(status::state, "CURVE: this libzmq was built without it (no libsodium)");
  }
}

std::array<std::uint8_t, 32> decode(std::string_view z85, const char* field) {
  std::array<std::uint8_t, 32> key{};
  const std::string text(z85);
  if (text.size() != z85_key_chars || zmq_z85_decode(key.data(), text.c_str()) == nullptr) {
    throw error(status::invalid, std::string("CURVE: bad '") + field +
                                     "': expected a Z85 key of 40 characters (ntrun keygen)");
  }
  return key;
}

std::string trimmed_first_line(std::istream& in) {
  std::string line;
  while (std::getline(in, line)) {
    const auto b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos || line[b] == '#') continue;
    const auto e = line.find_last_not_of(" \t\r");
    return line.substr(b, e - b + 1);
  }
  return {};
}

void write_exclusive(const std::string& path, const std::string& text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    const int err = errno;
    throw error(err == EEXIST ? status::state : status::invalid,
                "cannot write '" + path + "': " + std::strerror(err) +
                    (err == EEXIST ? " (a key is never overwritten: remove it first)" : ""));
  }
  bool ok = ::fchmod(fd, mode) == 0;
  ok = ok && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = (::close(fd) == 0) && ok;
  if (!ok) throw error(status::invalid, "writing '" + path + "' failed");
}

}  // namespace

namespace detail {

void apply_curve(zmq::socket_t& s, const curve_options& c) {
  require_curve();
  const auto secret = decode(c.secret_key, "secret_key");
  if (c.server) {
    s.set(zmq::sockopt::curve_server, 1);
    s.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(secret.data(), secret.size()));
    s.set(zmq::sockopt::zap_domain, "ntrun");
    return;
  }
  const auto server = decode(c.server_key, "server_key");
  const auto pub = c.public_key.empty() ? decode(curve_public(c.secret_key), "secret_key")
                                        : decode(c.public_key, "public_key");
  s.set(zmq::sockopt::curve_serverkey, zmq::const_buffer(server.data(), server.size()));
  s.set(zmq::sockopt::curve_publickey, zmq::const_buffer(pub.data(), pub.size()));
  s.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(secret.data(), secret.size()));
}

}  // namespace detail

curve_keypair keygen() {
  require_curve();
  std::array<char, 41> pub{}, sec{};
  if (zmq_curve_keypair(pub.data(), sec.data()) != 0) {
    throw error(status::internal, std::string("zmq_curve_keypair: ") + zmq_strerror(zmq_errno()));
  }
  return {pub.data(), sec.data()};
}

std::string curve_public(std::string_view secret_key) {
  require_curve();
  (void)decode(secret_key, "secret_key");
  const std::string sec(secret_key);
  std::array<char, 41> pub{};
  if (zmq_curve_public(pub.data(), sec.c_str()) != 0) {
    throw error(status::invalid, "CURVE: cannot derive the public key of that secret key");
  }
  return pub.data();
}

bool valid_key(std::string_view z85) noexcept {
  if (z85.size() != z85_key_chars) return false;
  char text[z85_key_chars + 1] = {};
  std::memcpy(text, z85.data(), z85_key_chars);
  std::uint8_t key[32];
  return zmq_z85_decode(key, text) != nullptr;
}

std::string read_key_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw error(status::not_found, "cannot read the key file '" + path + "'");
  std::string key = trimmed_first_line(in);
  if (!valid_key(key)) {
    throw error(status::invalid, "'" + path + "' holds no Z85 key of 40 characters");
  }
  return key;
}

void write_key_files(const std::string& prefix, const curve_keypair& keys) {
  if (!valid_key(keys.public_key) || !valid_key(keys.secret_key)) {
    throw error(status::invalid, "write_key_files: malformed keys");
  }
  write_exclusive(prefix + ".key", keys.secret_key + "\n", 0600);
  write_exclusive(prefix + ".pub", keys.public_key + "\n", 0644);
}

// The ZAP handler. Requests (RFC 27): version, request id, domain, address, identity,
// mechanism, credentials...; replies: version, request id, status code, status text, user id,
// metadata. A REP socket matches the REQ-like envelope libzmq uses.
zap_handler::zap_handler(zap_options options, zmq::context_t& ctx) : options_(std::move(options)) {
  for (const auto& k : options_.allowed) {
    if (!valid_key(k)) throw error(status::invalid, "zap: allowed key '" + k + "' is not Z85");
  }
  const std::string control = detail::control_endpoint("zap");
  std::promise<void> ready;
  auto bound = ready.get_future();
  thread_ = std::thread([this, &ctx, control, p = std::move(ready)]() mutable {
    zmq::socket_t ctl(ctx, zmq::socket_type::pair);
    zmq::socket_t rep(ctx, zmq::socket_type::rep);
    try {
      ctl.set(zmq::sockopt::linger, 0);
      rep.set(zmq::sockopt::linger, 0);
      ctl.bind(control);
      rep.bind("inproc://zeromq.zap.01");
      p.set_value();
    } catch (...) {
      p.set_exception(std::current_exception());
      return;
    }
    zmq::pollitem_t items[] = {{ctl.handle(), 0, ZMQ_POLLIN, 0}, {rep.handle(), 0, ZMQ_POLLIN, 0}};
    std::vector<zmq::message_t> req;
    // Errors end the loop (a context terminated under a running handler) rather than the
    // process; a throwing refusal callback is reported and the handler goes on.
    try {
      for (;;) {
        zmq::poll(items, 2, std::chrono::milliseconds(-1));
        if ((items[0].revents & ZMQ_POLLIN) != 0) break;
        if ((items[1].revents & ZMQ_POLLIN) == 0) continue;
        req.clear();
        do {
          req.emplace_back();
          if (!rep.recv(req.back(), zmq::recv_flags::dontwait)) {
            req.pop_back();
            break;
          }
        } while (req.back().more());
        if (req.empty()) continue;  // a REP must not answer what it did not read
        auto text = [&](std::size_t i) {
          return i < req.size() ? req[i].to_string() : std::string();
        };
        zap_refusal who{text(3), {}, text(5), text(2)};
        bool ok = false;
        if (req.size() >= 7 && who.mechanism == "CURVE" && req[6].size() == 32) {
          std::array<char, 41> z85{};
          zmq_z85_encode(z85.data(), static_cast<const std::uint8_t*>(req[6].data()), 32);
          who.public_key = z85.data();
          ok = admitted(who.public_key);
        }
        const std::string version = req.empty() ? "1.0" : text(0);
        const std::string id = text(1);
        (void)rep.send(zmq::buffer(version), zmq::send_flags::sndmore);
        (void)rep.send(zmq::buffer(id), zmq::send_flags::sndmore);
        (void)rep.send(zmq::buffer(std::string(ok ? "200" : "400")), zmq::send_flags::sndmore);
        (void)rep.send(zmq::buffer(std::string(ok ? "OK" : "key not allowed")),
                       zmq::send_flags::sndmore);
        (void)rep.send(zmq::buffer(ok ? who.public_key : std::string()), zmq::send_flags::sndmore);
        (void)rep.send(zmq::message_t(), zmq::send_flags::none);
        if (ok) {
          accepted_.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        refused_.fetch_add(1, std::memory_order_relaxed);
        try {
          if (options_.on_refusal) {
            options_.on_refusal(who);
          } else {
            std::fprintf(stderr, "ntrun: zap: refused %s client %s key %s\n", who.mechanism.c_str(),
                         who.address.c_str(),
                         who.public_key.empty() ? "-" : who.public_key.c_str());
          }
        } catch (const std::exception& e) {
          std::fprintf(stderr, "ntrun: zap: the refusal callback threw: %s\n", e.what());
        }
      }
    } catch (const zmq::error_t& e) {
      std::fprintf(stderr, "ntrun: zap: the handler stopped: %s\n", e.what());
    }
  });
  try {
    bound.get();
  } catch (const zmq::error_t& e) {
    thread_.join();
    detail::fail(status::state, "zap: cannot bind inproc://zeromq.zap.01 (one handler per context)",
                 e);
  }
  control_ = std::make_unique<zmq::socket_t>(ctx, zmq::socket_type::pair);
  control_->set(zmq::sockopt::linger, 0);
  control_->connect(control);
}

zap_handler::~zap_handler() {
  stop();
}

void zap_handler::stop() {
  if (!thread_.joinable()) return;
  (void)control_->send(zmq::str_buffer("STOP"), zmq::send_flags::none);
  thread_.join();
  control_.reset();
}

bool zap_handler::admitted(const std::string& key) {
  std::lock_guard lock(mutex_);
  return options_.allowed.count(key) != 0;
}

void zap_handler::allow(const std::string& public_key) {
  if (!valid_key(public_key)) throw error(status::invalid, "zap: allow: the key is not Z85");
  std::lock_guard lock(mutex_);
  options_.allowed.insert(public_key);
}

void zap_handler::revoke(const std::string& public_key) {
  std::lock_guard lock(mutex_);
  options_.allowed.erase(public_key);
}

zap_stats zap_handler::stats() const noexcept {
  return {accepted_.load(std::memory_order_relaxed), refused_.load(std::memory_order_relaxed)};
}

}  // namespace ntrun::transport
