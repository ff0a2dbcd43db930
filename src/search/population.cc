#include "search/population.h"
#include "search/json_fields.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string_view>

#include <fmt/format.h>

#include "util/json_text.h"

namespace anneal::search {

namespace {

/// a ranks above b: fitter, or as fit and older.
bool fitter(const Member& a, const Member& b) {
  if (a.fitness != b.fitness)
    return a.fitness > b.fitness;
  return a.id < b.id;
}

/// The index of the fittest member of a non-empty list.
size_t fittest(const std::vector<Member>& members) {
  size_t best = 0;
  for (size_t i = 1; i < members.size(); ++i)
    if (fitter(members[i], members[best]))
      best = i;
  return best;
}

Result<Member> member_from_json(const nlohmann::json& j, size_t island, size_t index) {
  auto bad = [&](std::string_view what) {
    return fail(fmt::format("population: island {} member {} {} in {}", island, index, what, dump_json(j)));
  };
  auto candidate = candidate_fields(j);
  if (!candidate)
    return bad(candidate.error());
  auto fitness = number_field(j, "fitness");
  if (!fitness)
    return bad("needs a number 'fitness'");
  return Member{candidate->id, std::move(candidate->commit), *fitness};
}

}  // namespace

std::optional<size_t> tournament(const std::vector<Member>& members, int size, Rng& rng) {
  if (members.empty())
    return std::nullopt;
  const size_t n = members.size();
  const size_t draws = std::min(n, static_cast<size_t>(std::max(size, 1)));
  // A partial Fisher-Yates shuffle: the first `draws` entries are a uniform sample of
  // distinct members.
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  size_t winner = 0;
  for (size_t k = 0; k < draws; ++k) {
    std::swap(order[k], order[k + rng.below(n - k)]);
    if (k == 0 || fitter(members[order[k]], members[winner]))
      winner = order[k];
  }
  return winner;
}

Population::Population(int island_count, int member_capacity)
    : capacity(std::max(member_capacity, 1)), islands(static_cast<size_t>(std::max(island_count, 1))) {
}

bool Population::offer(size_t island, const Member& candidate) {
  if (island >= islands.size() || !std::isfinite(candidate.fitness))
    return false;
  std::vector<Member>& members = islands[island];
  if (std::any_of(members.begin(), members.end(),
                  [&](const Member& m) { return m.commit == candidate.commit; }))
    return false;
  if (members.size() < static_cast<size_t>(capacity)) {
    members.push_back(candidate);
    return true;
  }
  // The least fit member; among equally fit ones the newest, as ties favour the older.
  auto worst = std::min_element(members.begin(), members.end(),
                                [](const Member& a, const Member& b) { return fitter(b, a); });
  if (!fitter(candidate, *worst))
    return false;
  members.erase(worst);
  members.push_back(candidate);
  return true;
}

Population::Immigration Population::immigrate(size_t island, const Member& candidate, int size, Rng& rng) {
  Immigration out;
  if (island >= islands.size() || !std::isfinite(candidate.fitness))
    return out;
  std::vector<Member>& members = islands[island];
  if (std::any_of(members.begin(), members.end(),
                  [&](const Member& m) { return m.commit == candidate.commit; }))
    return out;
  if (members.size() < static_cast<size_t>(capacity)) {
    members.push_back(candidate);
    out.entered = true;
    return out;
  }
  // The tournament with the order reversed: its winner is the least fit drawn.
  std::vector<Member> reversed = members;
  for (Member& m : reversed) {
    m.fitness = -m.fitness;
    m.id = -m.id;
  }
  auto loser = tournament(reversed, size, rng);
  if (!loser || *loser == fittest(members))
    return out;
  out.replaced = members[*loser];
  members.erase(members.begin() + static_cast<std::ptrdiff_t>(*loser));
  members.push_back(candidate);
  out.entered = true;
  return out;
}

int Population::migrate() {
  std::vector<std::optional<Member>> emigrants;
  for (const std::vector<Member>& members : islands)
    emigrants.push_back(members.empty() ? std::nullopt : std::optional<Member>(members[fittest(members)]));
  int entered = 0;
  for (size_t i = 0; i < islands.size(); ++i)
    if (emigrants[i] && offer((i + 1) % islands.size(), *emigrants[i]))
      ++entered;
  return entered;
}

const Member* Population::best() const {
  const Member* best = nullptr;
  for (const std::vector<Member>& members : islands)
    for (const Member& m : members)
      if (best == nullptr || fitter(m, *best))
        best = &m;
  return best;
}

nlohmann::json Population::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (const std::vector<Member>& members : islands) {
    nlohmann::json island = nlohmann::json::array();
    for (const Member& m : members)
      island.push_back({{"id", m.id}, {"commit", m.commit}, {"fitness", m.fitness}});
    list.push_back(std::move(island));
  }
  return {{"capacity", capacity}, {"islands", std::move(list)}};
}

Result<Population> Population::from_json(const nlohmann::json& j) {
  if (!j.is_object())
    return fail(fmt::format("population: expected an object, not {}", dump_json(j)));
  auto capacity = j.find("capacity");
  if (capacity == j.end() || !capacity->is_number_integer() || capacity->get<int64_t>() < 1 ||
      capacity->get<int64_t>() > std::numeric_limits<int>::max())
    return fail(fmt::format("population: 'capacity' must be a positive integer in {}", dump_json(j)));
  auto islands = j.find("islands");
  if (islands == j.end() || !islands->is_array() || islands->empty())
    return fail(fmt::format("population: 'islands' must be a non-empty array in {}", dump_json(j)));
  Population population(static_cast<int>(islands->size()), capacity->get<int>());
  for (size_t i = 0; i < islands->size(); ++i) {
    const nlohmann::json& island = (*islands)[i];
    if (!island.is_array())
      return fail(fmt::format("population: island {} is not an array: {}", i, dump_json(island)));
    if (island.size() > static_cast<size_t>(population.capacity))
      return fail(fmt::format("population: island {} holds {} members, more than the capacity {}", i,
                              island.size(), population.capacity));
    for (size_t k = 0; k < island.size(); ++k) {
      auto member = member_from_json(island[k], i, k);
      if (!member)
        return std::unexpected(member.error());
      if (!population.offer(i, *member))
        return fail(
            fmt::format("population: island {} member {} repeats a commit: {}", i, k, dump_json(island[k])));
    }
  }
  return population;
}

}  // namespace anneal::search
