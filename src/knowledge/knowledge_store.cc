#include "knowledge/knowledge_store.h"
