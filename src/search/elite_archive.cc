#include "search/elite_archive.h"
#include "search/json_fields.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <string_view>

#include <fmt/format.h>

#include "util/json_text.h"

namespace anneal::search {

namespace {

bool usable(const Descriptor& d) {
  return d.bins >= 1 && std::isfinite(d.min) && std::isfinite(d.max) && d.min < d.max;
}

/// The bin of `value` (not NaN) in a usable descriptor.
int bin_of(const Descriptor& d, double value) {
  // Compared before dividing: an infinite value must not reach the conversion to int.
  if (value <= d.min)
    return 0;
  if (value >= d.max)
    return d.bins - 1;
  const double scaled = std::floor((value - d.min) / (d.max - d.min) * d.bins);
  return std::clamp(static_cast<int>(scaled), 0, d.bins - 1);
}

Result<Descriptor> descriptor_from_json(const nlohmann::json& j, size_t index) {
  auto bad = [&](const char* what) {
    return fail(fmt::format("elite archive: descriptor {} {} in {}", index, what, dump_json(j)));
  };
  if (!j.is_object())
    return bad("is not an object");
  auto name = j.find("name");
  if (name == j.end() || !name->is_string())
    return bad("needs a string 'name'");
  auto min = j.find("min");
  auto max = j.find("max");
  if (min == j.end() || !min->is_number() || max == j.end() || !max->is_number())
    return bad("needs numbers 'min' and 'max'");
  auto bins = j.find("bins");
  if (bins == j.end() || !bins->is_number_integer() || bins->get<int64_t>() < 1 ||
      bins->get<int64_t>() > std::numeric_limits<int>::max())
    return bad("needs a positive integer 'bins'");
  Descriptor d{name->get<std::string>(), min->get<double>(), max->get<double>(), bins->get<int>()};
  if (!(d.min < d.max))
    return bad("needs 'min' below 'max'");
  return d;
}

Result<Elite> elite_from_json(const nlohmann::json& j, const std::string& key) {
  auto bad = [&](std::string_view what) {
    return fail(fmt::format("elite archive: cell \"{}\" {} in {}", key, what, dump_json(j)));
  };
  auto candidate = candidate_fields(j);
  if (!candidate)
    return bad(candidate.error());
  auto fitness = number_field(j, "fitness");
  if (!fitness)
    return bad("needs a number 'fitness'");
  auto behaviour = numbers_field(j, "behaviour");
  if (!behaviour)
    return bad(behaviour.error());
  return Elite{candidate->id, std::move(candidate->commit), *fitness, std::move(*behaviour)};
}

}  // namespace

std::optional<std::string> EliteArchive::cell_of(const std::vector<double>& behaviour) const {
  if (behaviour.size() != descriptors.size())
    return std::nullopt;
  std::string key;
  for (size_t i = 0; i < behaviour.size(); ++i) {
    if (std::isnan(behaviour[i]) || !usable(descriptors[i]))
      return std::nullopt;
    if (i > 0)
      key += ',';
    key += std::to_string(bin_of(descriptors[i], behaviour[i]));
  }
  return key;
}

bool EliteArchive::offer(const Elite& elite) {
  if (!std::isfinite(elite.fitness) ||
      !std::all_of(elite.behaviour.begin(), elite.behaviour.end(), [](double v) { return std::isfinite(v); }))
    return false;
  std::optional<std::string> key = cell_of(elite.behaviour);
  if (!key)
    return false;
  auto [it, inserted] = cells.try_emplace(*key, elite);
  if (inserted)
    return true;
  const Elite& held = it->second;
  const bool better = elite.fitness > held.fitness || (elite.fitness == held.fitness && elite.id < held.id);
  if (!better)
    return false;
  it->second = elite;
  return true;
}

std::optional<Elite> EliteArchive::pick(Rng& rng) const {
  if (cells.empty())
    return std::nullopt;
  auto it = cells.begin();
  std::advance(it, static_cast<std::ptrdiff_t>(rng.below(cells.size())));
  return it->second;
}

double EliteArchive::coverage() const {
  double all = 1;
  for (const Descriptor& d : descriptors)
    all *= usable(d) ? d.bins : 0;
  return all > 0 ? static_cast<double>(cells.size()) / all : 0;
}

nlohmann::json EliteArchive::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (const Descriptor& d : descriptors)
    list.push_back({{"name", d.name}, {"min", d.min}, {"max", d.max}, {"bins", d.bins}});
  nlohmann::json grid = nlohmann::json::object();
  for (const auto& [key, e] : cells)
    grid[key] = {{"id", e.id}, {"commit", e.commit}, {"fitness", e.fitness}, {"behaviour", e.behaviour}};
  return {{"descriptors", std::move(list)}, {"cells", std::move(grid)}};
}

Result<EliteArchive> EliteArchive::from_json(const nlohmann::json& j) {
  if (!j.is_object())
    return fail(fmt::format("elite archive: expected an object, not {}", dump_json(j)));
  auto list = j.find("descriptors");
  if (list == j.end() || !list->is_array())
    return fail(fmt::format("elite archive: 'descriptors' must be an array in {}", dump_json(j)));
  auto grid = j.find("cells");
  if (grid == j.end() || !grid->is_object())
    return fail(fmt::format("elite archive: 'cells' must be an object in {}", dump_json(j)));
  EliteArchive archive;
  for (size_t i = 0; i < list->size(); ++i) {
    auto d = descriptor_from_json((*list)[i], i);
    if (!d)
      return std::unexpected(d.error());
    archive.descriptors.push_back(std::move(*d));
  }
  for (const auto& item : grid->items()) {
    const std::string& key = item.key();
    const nlohmann::json& value = item.value();
    auto elite = elite_from_json(value, key);
    if (!elite)
      return std::unexpected(elite.error());
    std::optional<std::string> cell = archive.cell_of(elite->behaviour);
    if (cell != key)
      return fail(fmt::format("elite archive: cell \"{}\" holds an elite whose behaviour belongs to {}: {}",
                              key, cell ? "cell \"" + *cell + "\"" : std::string("no cell"),
                              dump_json(value)));
    archive.cells.emplace(key, std::move(*elite));
  }
  return archive;
}

}  // namespace anneal::search
