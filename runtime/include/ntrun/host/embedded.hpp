// The `nt` Lua library and the generated FFI cdef, embedded into the binary at build time
// (cmake/embed_lua.cmake). The table ends with a null entry.
#pragma once

#include <cstddef>

namespace ntrun::host {

struct embedded_module {
  const char* name;  ///< module name for require, e.g. "nt.ctx"
  const char* path;  ///< source path shown in tracebacks, e.g. "scripts/nt/ctx.lua"
  const char* source;
  std::size_t size;
};

extern const embedded_module embedded_modules[];

}  // namespace ntrun::host
