// The small pieces every libcurl caller needs (the LLM client, the remote cache).
#pragma once

#include <cstddef>
#include <string>

#include <curl/curl.h>

namespace anneal {

/// curl_global_init, once per process, before the first easy handle.
void init_curl_once();

/// Request headers, freed when the request returns, however it returns.
struct CurlHeaderList {
  curl_slist* list = nullptr;
  CurlHeaderList() = default;
  CurlHeaderList(const CurlHeaderList&) = delete;
  CurlHeaderList& operator=(const CurlHeaderList&) = delete;
  ~CurlHeaderList() { curl_slist_free_all(list); }
  void append(const std::string& line) { list = curl_slist_append(list, line.c_str()); }
};

/// A CURLOPT_WRITEFUNCTION appending the body to the std::string in CURLOPT_WRITEDATA.
size_t append_to_string(char* data, size_t size, size_t count, void* user);

}  // namespace anneal
