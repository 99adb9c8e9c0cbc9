// Private helpers of the CUDA back-ends: status checks that throw with the API's name, and an
// owned device allocation freed on every exit path, exceptions included.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <stdexcept>
#include <string>

namespace ntrun::compute::cuda_util {

inline void check(cudaError_t status, const char* where, const char* what) {
  if (status != cudaSuccess) {
    cudaGetLastError();  // clear a non-sticky error so the next call starts clean
    throw std::runtime_error(std::string(where) + ": " + what + " failed: " +
                             cudaGetErrorName(status) + " (" + cudaGetErrorString(status) + ")");
  }
}

class device_array {
 public:
  device_array(std::size_t doubles, const char* where) {
    check(cudaMalloc(reinterpret_cast<void**>(&data_), doubles * sizeof(double)), where,
          "cudaMalloc");
  }
  ~device_array() { cudaFree(data_); }
  device_array(const device_array&) = delete;
  device_array& operator=(const device_array&) = delete;
  [[nodiscard]] double* get() const noexcept { return data_; }

 private:
  double* data_ = nullptr;
};

}  // namespace ntrun::compute::cuda_util
