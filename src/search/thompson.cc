#include "search/thompson.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include <fmt/format.h>

namespace anneal::search {

namespace {

constexpr int k_format_version = 1;

/// The log of a Gamma(shape, 1) deviate. Logs, because for a small shape the deviate itself
/// underflows to 0 and Beta = X / (X + Y) would be 0 / 0.
double log_gamma_deviate(double shape, Rng& rng) {
  if (shape < 1) {
    // Gamma(shape) = Gamma(shape + 1) * U^(1/shape) (Marsaglia and Tsang, section 6).
    const double u = 1 - rng.uniform();  // in (0, 1]: the log stays finite
    return log_gamma_deviate(shape + 1, rng) + std::log(u) / shape;
  }
  const double d = shape - 1.0 / 3;
  const double c = 1 / std::sqrt(9 * d);
  for (;;) {
    const double x = rng.normal();
    const double t = 1 + c * x;
    if (t <= 0)
      continue;
    const double v = t * t * t;
    const double u = rng.uniform();
    // The squeeze spares most log calls; the second test is the exact acceptance condition.
    if (u < 1 - 0.0331 * (x * x) * (x * x) || std::log(u) < 0.5 * x * x + d * (1 - v + std::log(v)))
      return std::log(d * v);
  }
}

}  // namespace

double beta_deviate(double a, double b, Rng& rng) {
  if (!(a > 0 && b > 0 && std::isfinite(a) && std::isfinite(b)))
    return std::numeric_limits<double>::quiet_NaN();
  const double log_x = log_gamma_deviate(a, rng);
  const double log_y = log_gamma_deviate(b, rng);
  // X / (X + Y) = 1 / (1 + Y / X); exp overflowing to infinity gives the right limit 0.
  return 1 / (1 + std::exp(log_y - log_x));
}

ThompsonSampler::ThompsonSampler(std::vector<std::string> names) {
  for (std::string& name : names)
    arms.push_back(Arm{.name = std::move(name)});
}

size_t ThompsonSampler::choose(Rng& rng) const {
  size_t best = 0;
  double best_draw = -1;
  for (size_t i = 0; i < arms.size(); ++i) {
    const double draw = beta_deviate(1 + arms[i].successes, 1 + arms[i].failures, rng);
    if (draw > best_draw) {
      best = i;
      best_draw = draw;
    }
  }
  return best;
}

void ThompsonSampler::reward(size_t arm, double r) {
  if (arm >= arms.size())
    return;
  r = std::isnan(r) ? 0 : std::clamp(r, 0.0, 1.0);
  arms[arm].successes += r;
  arms[arm].failures += 1 - r;
  ++arms[arm].pulls;
}

nlohmann::json ThompsonSampler::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (const Arm& arm : arms)
    list.push_back(
        {{"name", arm.name}, {"successes", arm.successes}, {"failures", arm.failures}, {"pulls", arm.pulls}});
  return {{"version", k_format_version}, {"arms", std::move(list)}};
}

Result<ThompsonSampler> ThompsonSampler::from_json(const nlohmann::json& j) {
  if (!j.is_object())
    return fail(fmt::format("thompson sampler: expected an object, not {}", j.dump()));
  auto version = j.find("version");
  if (version == j.end() || !version->is_number_integer() || version->get<int64_t>() != k_format_version)
    return fail(fmt::format("thompson sampler: 'version' must be {}", k_format_version));
  auto list = j.find("arms");
  if (list == j.end() || !list->is_array())
    return fail("thompson sampler: 'arms' must be an array");

  ThompsonSampler sampler;
  std::set<std::string> names;
  for (size_t i = 0; i < list->size(); ++i) {
    const nlohmann::json& item = (*list)[i];
    auto bad = [&](const std::string& what) {
      return fail(fmt::format("thompson sampler: arm {}: {} in {}", i, what, item.dump()));
    };
    if (!item.is_object())
      return bad("expected an object");
    auto name = item.find("name");
    if (name == item.end() || !name->is_string())
      return bad("'name' must be a string");
    if (!names.insert(name->get<std::string>()).second)
      return bad("the name appears twice");
    Arm arm{.name = name->get<std::string>()};
    for (auto [key, field] : {std::pair{"successes", &arm.successes}, std::pair{"failures", &arm.failures}}) {
      auto it = item.find(key);
      if (it == item.end() || !it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < 0)
        return bad(fmt::format("'{}' must be a finite number >= 0", key));
      *field = it->get<double>();
    }
    auto pulls = item.find("pulls");
    if (pulls == item.end() || !pulls->is_number_integer() || pulls->get<int64_t>() < 0 ||
        pulls->get<int64_t>() > std::numeric_limits<int>::max())
      return bad("'pulls' must be an integer >= 0");
    arm.pulls = pulls->get<int>();
    sampler.arms.push_back(std::move(arm));
  }
  return sampler;
}

}  // namespace anneal::search
