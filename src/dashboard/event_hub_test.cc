#include "dashboard/event_hub.h"

#include <thread>

#include <catch2/catch.hpp>

using namespace anneal::dashboard;
using namespace std::chrono_literals;

TEST_CASE("the event hub numbers events, hands out those after a cursor and keeps only the latest",
          "[dashboard]") {
  EventHub hub(3);
  CHECK(hub.latest() == 0);
  CHECK(hub.wait_after(0, 0ms).empty());
  for (int i = 1; i <= 5; ++i)
    hub.publish("{\"n\":" + std::to_string(i) + "}");
  CHECK(hub.latest() == 5);
  auto events = hub.wait_after(3, 0ms);
  REQUIRE(events.size() == 2);
  CHECK(events[0].seq == 4);
  CHECK(events[1].data == "{\"n\":5}");
  // A cursor that fell out of the ring gets what is kept: memory stays bounded.
  auto kept = hub.wait_after(0, 0ms);
  REQUIRE(kept.size() == 3);
  CHECK(kept.front().seq == 3);
  CHECK(sse_text(kept.back()) == "id: 5\ndata: {\"n\":5}\n\n");
}

TEST_CASE("a waiter wakes for a new event and for close", "[dashboard]") {
  EventHub hub;
  std::vector<Event> got;
  std::thread waiter([&] { got = hub.wait_after(0, 60s); });
  hub.publish("x");
  waiter.join();
  REQUIRE(got.size() == 1);
  CHECK(got[0].data == "x");

  std::thread closed([&] { got = hub.wait_after(1, 60s); });
  hub.close();
  closed.join();
  CHECK(got.empty());
  CHECK(hub.closed());
}
