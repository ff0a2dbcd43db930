#include "dashboard/assets.h"

#include <cstddef>

namespace anneal::embedded {
extern const unsigned char k_page_html[];
extern const std::size_t k_page_html_size;
extern const unsigned char k_page_js[];
extern const std::size_t k_page_js_size;
extern const unsigned char k_chart_js[];
extern const std::size_t k_chart_js_size;
}  // namespace anneal::embedded

namespace anneal::dashboard {

namespace {

std::string_view bytes(const unsigned char* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace

std::optional<Asset> asset(std::string_view path) {
  constexpr std::string_view js = "text/javascript; charset=utf-8";
  if (path == "/assets/chart.js")
    return Asset{bytes(embedded::k_chart_js, embedded::k_chart_js_size), js};
  if (path == "/assets/page.js")
    return Asset{bytes(embedded::k_page_js, embedded::k_page_js_size), js};
  return std::nullopt;
}

Asset page() { return {bytes(embedded::k_page_html, embedded::k_page_html_size), "text/html; charset=utf-8"}; }

}  // namespace anneal::dashboard
