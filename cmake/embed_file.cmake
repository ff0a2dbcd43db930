# Embeds a file's bytes into the binary: the dashboard's page and Chart.js are served from
# memory, so `anneal dashboard` works offline and on a machine without the files.
#
# Included from CMakeLists.txt it defines anneal_embed_file(INPUT OUTPUT SYMBOL), a build-time
# rule writing OUTPUT, a .cc defining
#   extern const unsigned char SYMBOL[];  extern const std::size_t SYMBOL_size;
# in namespace anneal::embedded (the bytes are followed by a NUL, not counted in the size).
# Run with `cmake -DINPUT=… -DOUTPUT=… -DSYMBOL=… -P embed_file.cmake` it writes the file.
# Bytes, not a string literal: minified JavaScript may contain any delimiter.

if(CMAKE_SCRIPT_MODE_FILE)
  file(READ "${INPUT}" hex HEX)
  file(SIZE "${INPUT}" size)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  # Lines of 32 bytes keep the generated file readable by editors and diff tools.
  string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){32})" "\\1\n" bytes "${bytes}")
  get_filename_component(input_name "${INPUT}" NAME)
  file(WRITE "${OUTPUT}.tmp"
    "// Generated from ${input_name} by cmake/embed_file.cmake; do not edit.\n"
    "#include <cstddef>\n"
    "namespace anneal::embedded {\n"
    "extern const unsigned char ${SYMBOL}[];\n"
    "extern const std::size_t ${SYMBOL}_size;\n"
    "const unsigned char ${SYMBOL}[] = {\n${bytes}0x00};\n"
    "const std::size_t ${SYMBOL}_size = ${size};\n"
    "}  // namespace anneal::embedded\n")
  file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
  return()
endif()

set(ANNEAL_EMBED_FILE_SCRIPT "${CMAKE_CURRENT_LIST_FILE}")

function(anneal_embed_file input output symbol)
  add_custom_command(
    OUTPUT "${output}"
    COMMAND "${CMAKE_COMMAND}" "-DINPUT=${input}" "-DOUTPUT=${output}" "-DSYMBOL=${symbol}"
            -P "${ANNEAL_EMBED_FILE_SCRIPT}"
    DEPENDS "${input}" "${ANNEAL_EMBED_FILE_SCRIPT}"
    COMMENT "Embedding ${input}"
    VERBATIM)
endfunction()
