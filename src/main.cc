// anneal: improves measurable text artifacts in a git repository, the way make builds.
#include "cli/main.h"

int main(int argc, char** argv) {
  return anneal::cli::run_main(argc, argv);
}
