#include "llm/spend_log.h"
