#include "llm/pricing.h"
