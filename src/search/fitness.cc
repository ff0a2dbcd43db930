#include "search/fitness.h"

namespace anneal::search {

double fitness(Direction direction, double value) {
  return direction == Direction::Maximize ? value : -value;
}

double metric_value(Direction direction, double fitness) {
  return direction == Direction::Maximize ? fitness : -fitness;
}

}  // namespace anneal::search
