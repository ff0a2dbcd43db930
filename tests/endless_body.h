// Bodies no remote cache should send, for the misbehaving servers of the tests: 4 GiB declared
// by Content-Length, or a chunked stream that never ends. Both count what they have sent.
#pragma once

#include <httplib.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace anneal::testing {

enum class EndlessBody { Declared4GiB, Chunked };

inline void serve_endless_body(httplib::Response& response, EndlessBody kind, std::atomic<uint64_t>& streamed) {
  auto chunk = std::make_shared<std::string>(64 * 1024, 'x');
  auto provide = [&streamed, chunk](size_t, httplib::DataSink& sink) {
    streamed += chunk->size();
    return sink.write(chunk->data(), chunk->size());
  };
  if (kind == EndlessBody::Declared4GiB)
    response.set_content_provider(
        uint64_t{4} << 30, "application/octet-stream",
        [provide](size_t offset, size_t, httplib::DataSink& sink) { return provide(offset, sink); });
  else
    response.set_chunked_content_provider("application/octet-stream", provide);
}

}  // namespace anneal::testing
