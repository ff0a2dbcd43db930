# Embeds annealfile.schema.yaml into the binary, so `anneal` validates with exactly the
# schema it was built with and editors read the same file from the repository.
#
# Included from CMakeLists.txt it defines anneal_embed_schema(INPUT OUTPUT), which adds a
# build-time rule writing OUTPUT (a .cc defining anneal::graph::k_annealfile_schema) from
# INPUT. Run with `cmake -DINPUT=… -DOUTPUT=… -P embed_schema.cmake` it writes the file.

if(CMAKE_SCRIPT_MODE_FILE)
  file(READ "${INPUT}" schema)
  get_filename_component(input_name "${INPUT}" NAME)
  # The raw string literal ends at `)annealschema"`; refuse a schema that contains it
  # rather than emit a .cc that does not compile or, worse, compiles to something else.
  string(FIND "${schema}" ")annealschema\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${INPUT} contains ')annealschema\"', which ends the raw string literal")
  endif()
  file(WRITE "${OUTPUT}.tmp"
    "// Generated from ${input_name} by cmake/embed_schema.cmake; do not edit.\n"
    "namespace anneal::graph {\n"
    "extern const char* const k_annealfile_schema;\n"
    "const char* const k_annealfile_schema = R\"annealschema(${schema})annealschema\";\n"
    "}  // namespace anneal::graph\n")
  file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
  return()
endif()

set(ANNEAL_EMBED_SCHEMA_SCRIPT "${CMAKE_CURRENT_LIST_FILE}")

function(anneal_embed_schema input output)
  add_custom_command(
    OUTPUT "${output}"
    COMMAND "${CMAKE_COMMAND}" "-DINPUT=${input}" "-DOUTPUT=${output}"
            -P "${ANNEAL_EMBED_SCHEMA_SCRIPT}"
    DEPENDS "${input}" "${ANNEAL_EMBED_SCHEMA_SCRIPT}"
    COMMENT "Embedding ${input}"
    VERBATIM)
endfunction()
