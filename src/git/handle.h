// Private to src/git: RAII owners for libgit2 handles and the helpers every file here
// uses to turn libgit2 return codes into Results.
#pragma once

#include <git2.h>

#include <memory>
#include <string>
#include <string_view>

#include "git/repository.h"
#include "util/error.h"

namespace anneal::git {

template <class T, void (*Free)(T*)>
struct GitDeleter {
  void operator()(T* handle) const { Free(handle); }
};

/// Owns one libgit2 object and frees it with its git_*_free function.
template <class T, void (*Free)(T*)>
using GitHandle = std::unique_ptr<T, GitDeleter<T, Free>>;

using RepositoryHandle = GitHandle<git_repository, git_repository_free>;
using ObjectHandle = GitHandle<git_object, git_object_free>;
using CommitHandle = GitHandle<git_commit, git_commit_free>;
using TreeHandle = GitHandle<git_tree, git_tree_free>;
using TreeEntryHandle = GitHandle<git_tree_entry, git_tree_entry_free>;
using BlobHandle = GitHandle<git_blob, git_blob_free>;
using ReferenceHandle = GitHandle<git_reference, git_reference_free>;
using ReferenceIteratorHandle = GitHandle<git_reference_iterator, git_reference_iterator_free>;
using SignatureHandle = GitHandle<git_signature, git_signature_free>;
using DiffHandle = GitHandle<git_diff, git_diff_free>;
using IndexHandle = GitHandle<git_index, git_index_free>;
using OdbHandle = GitHandle<git_odb, git_odb_free>;
using StatusListHandle = GitHandle<git_status_list, git_status_list_free>;

/// A git_buf that is disposed of when it goes out of scope.
struct GitBuffer {
  git_buf buf = GIT_BUF_INIT;
  GitBuffer() = default;
  GitBuffer(const GitBuffer&) = delete;
  GitBuffer& operator=(const GitBuffer&) = delete;
  ~GitBuffer() { git_buf_dispose(&buf); }
  std::string str() const { return buf.ptr ? std::string(buf.ptr, buf.size) : std::string(); }
};

/// Initialises libgit2 once per process; every entry point of this library calls it.
void ensure_libgit2();

/// A failure that says what was being done and what libgit2 reported.
std::unexpected<Error> git_failure(std::string_view doing);

/// The 40-character hex form of an id.
ObjectId to_hex(const git_oid& oid);

/// Resolves `spec` (a commit id or any revision git understands) to a commit.
Result<CommitHandle> lookup_commit(git_repository* repo, std::string_view spec);

/// Looks up a tree by its 40-character id.
Result<TreeHandle> lookup_tree(git_repository* repo, std::string_view id);

}  // namespace anneal::git
