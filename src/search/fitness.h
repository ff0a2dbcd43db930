// Scores as the search strategies see them: larger is always better.
#pragma once

namespace anneal::search {

enum class Direction { Maximize, Minimize };

/// The fitness of a metric value: the value itself when maximised, its negation when
/// minimised, so every strategy compares with `>`.
double fitness(Direction direction, double value);

/// The metric value of a fitness (fitness() undone).
double metric_value(Direction direction, double fitness);

}  // namespace anneal::search
