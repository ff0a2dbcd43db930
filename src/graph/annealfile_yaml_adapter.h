// A valijson adapter over yaml-cpp trees that knows the JSON types of YAML scalars.
//
// valijson's own YamlCppAdapter reports every node, mappings and lists included, as a string
// and no scalar as a number or boolean, so `type: string` accepts a mapping and strict typing
// rejects `repeat: 3`. This adapter types scalars with scalar_type() (YAML 1.2 core schema)
// and is used with strict types, so the schema means what JSON Schema says it means.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <string>
#include <utility>

#include <yaml-cpp/yaml.h>
#include <valijson/internal/adapter.hpp>
#include <valijson/internal/basic_adapter.hpp>
#include <valijson/internal/frozen_value.hpp>
#include <valijson/internal/optional.hpp>

#include "graph/annealfile_yaml.h"

namespace anneal::graph::yaml_adapter {

class Adapter;
class ArrayIterator;
class ObjectIterator;
using ObjectMember = std::pair<std::string, Adapter>;

class Array {
 public:
  using const_iterator = ArrayIterator;
  using iterator = ArrayIterator;
  Array() : m_value(YAML::NodeType::Sequence) {}
  explicit Array(const YAML::Node& value) : m_value(value) {}
  ArrayIterator begin() const;
  ArrayIterator end() const;
  size_t size() const { return m_value.size(); }

 private:
  YAML::Node m_value;
};

class Object {
 public:
  using const_iterator = ObjectIterator;
  using iterator = ObjectIterator;
  Object() : m_value(YAML::NodeType::Map) {}
  explicit Object(const YAML::Node& value) : m_value(value) {}
  ObjectIterator begin() const;
  ObjectIterator end() const;
  ObjectIterator find(const std::string& name) const;
  size_t size() const { return m_value.size(); }

 private:
  YAML::Node m_value;
};

class FrozenValue : public valijson::adapters::FrozenValue {
 public:
  explicit FrozenValue(const YAML::Node& value) : m_value(YAML::Clone(value)) {}
  valijson::adapters::FrozenValue* clone() const override { return new FrozenValue(m_value); }
  bool equalTo(const valijson::adapters::Adapter& other, bool strict) const override;

 private:
  YAML::Node m_value;
};

/// The ValueType of valijson's BasicAdapter: reads one node.
class Value {
 public:
  Value() : m_value(YAML::NodeType::Map) {}
  explicit Value(const YAML::Node& value) : m_value(value) {}

  valijson::adapters::FrozenValue* freeze() const { return new FrozenValue(m_value); }
  opt::optional<Array> getArrayOptional() const {
    if (isArray())
      return Array(m_value);
    return {};
  }
  opt::optional<Object> getObjectOptional() const {
    if (isObject())
      return Object(m_value);
    return {};
  }
  bool getArraySize(size_t& result) const {
    if (!isArray())
      return false;
    result = m_value.size();
    return true;
  }
  bool getObjectSize(size_t& result) const {
    if (!isObject())
      return false;
    result = m_value.size();
    return true;
  }
  bool getBool(bool& result) const {
    if (!isBool())
      return false;
    const std::string& text = m_value.Scalar();
    result = text == "true" || text == "True" || text == "TRUE";
    return true;
  }
  bool getDouble(double& result) const {
    if (!isNumber())
      return false;
    result = std::strtod(m_value.Scalar().c_str(), nullptr);
    return true;
  }
  bool getInteger(int64_t& result) const {
    if (!isInteger())
      return false;
    result = std::strtoll(m_value.Scalar().c_str(), nullptr, 10);
    return true;
  }
  bool getString(std::string& result) const {
    if (!isString())
      return false;
    result = m_value.Scalar();
    return true;
  }
  static bool hasStrictTypes() { return true; }
  bool isArray() const { return m_value.IsSequence(); }
  bool isObject() const { return m_value.IsMap(); }
  bool isNull() const { return m_value.IsNull(); }
  bool isBool() const { return m_value.IsScalar() && scalar_type(m_value) == ScalarType::Bool; }
  bool isInteger() const {
    return m_value.IsScalar() && scalar_type(m_value) == ScalarType::Integer;
  }
  bool isDouble() const { return m_value.IsScalar() && scalar_type(m_value) == ScalarType::Number; }
  bool isNumber() const { return isInteger() || isDouble(); }
  bool isString() const { return m_value.IsScalar() && scalar_type(m_value) == ScalarType::String; }

 private:
  YAML::Node m_value;
};

class Adapter
    : public valijson::adapters::BasicAdapter<Adapter, Array, ObjectMember, Object, Value> {
 public:
  Adapter() = default;
  explicit Adapter(const YAML::Node& value) : BasicAdapter(Value(value)) {}
};

/// By index rather than yaml-cpp's forward-only iterator: valijson steps back from end().
class ArrayIterator {
 public:
  using iterator_category = std::bidirectional_iterator_tag;
  using value_type = Adapter;
  using difference_type = std::ptrdiff_t;
  using pointer = Adapter*;
  using reference = Adapter&;

  ArrayIterator(const YAML::Node& sequence, size_t index) : m_sequence(sequence), m_index(index) {}
  Adapter operator*() const { return Adapter(m_sequence[m_index]); }
  valijson::adapters::DerefProxy<Adapter> operator->() const {
    return valijson::adapters::DerefProxy<Adapter>(**this);
  }
  bool operator==(const ArrayIterator& other) const { return m_index == other.m_index; }
  bool operator!=(const ArrayIterator& other) const { return m_index != other.m_index; }
  ArrayIterator& operator++() {
    ++m_index;
    return *this;
  }
  ArrayIterator operator++(int) {
    ArrayIterator before = *this;
    ++m_index;
    return before;
  }
  ArrayIterator& operator--() {
    --m_index;
    return *this;
  }
  void advance(std::ptrdiff_t n) { m_index += n; }

 private:
  YAML::Node m_sequence;
  size_t m_index;
};

class ObjectIterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = ObjectMember;
  using difference_type = std::ptrdiff_t;
  using pointer = ObjectMember*;
  using reference = ObjectMember&;

  explicit ObjectIterator(YAML::const_iterator it) : m_it(std::move(it)) {}
  // A non-scalar key is reported by check_yaml_keys before validation; here it has no name.
  ObjectMember operator*() const {
    return ObjectMember(m_it->first.IsScalar() ? m_it->first.Scalar() : std::string(),
                        Adapter(m_it->second));
  }
  valijson::adapters::DerefProxy<ObjectMember> operator->() const {
    return valijson::adapters::DerefProxy<ObjectMember>(**this);
  }
  bool operator==(const ObjectIterator& other) const { return m_it == other.m_it; }
  bool operator!=(const ObjectIterator& other) const { return !(m_it == other.m_it); }
  ObjectIterator& operator++() {
    ++m_it;
    return *this;
  }
  ObjectIterator operator++(int) {
    ObjectIterator before = *this;
    ++m_it;
    return before;
  }

 private:
  YAML::const_iterator m_it;
};

inline bool FrozenValue::equalTo(const valijson::adapters::Adapter& other, bool strict) const {
  return Adapter(m_value).equalTo(other, strict);
}

inline ArrayIterator Array::begin() const { return ArrayIterator(m_value, 0); }
inline ArrayIterator Array::end() const { return ArrayIterator(m_value, m_value.size()); }
inline ObjectIterator Object::begin() const { return ObjectIterator(m_value.begin()); }
inline ObjectIterator Object::end() const { return ObjectIterator(m_value.end()); }
inline ObjectIterator Object::find(const std::string& name) const {
  for (auto it = m_value.begin(); it != m_value.end(); ++it)
    if (it->first.IsScalar() && it->first.Scalar() == name)
      return ObjectIterator(it);
  return end();
}

}  // namespace anneal::graph::yaml_adapter

template <>
struct valijson::adapters::AdapterTraits<anneal::graph::yaml_adapter::Adapter> {
  using DocumentType = YAML::Node;
  static std::string adapterName() { return "AnnealYamlAdapter"; }
};
