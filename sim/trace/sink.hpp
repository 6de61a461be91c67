// Contract: where a producer's records go as they become final. A producer
// (today the simulator: smp::Simulation::set_trace_sink) calls function() and
// mask() to define ids densely in ascending order (each before any record
// that names it) and record() in non-decreasing time. Implementations here:
// a file (WriterSink over trace::Writer) and a fan-out to two sinks
// (TeeSink); replay::SummaryBuilder is another. A sink that cannot take a
// record throws (TraceError for the writer); nothing is retried.
// Single-threaded.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/trace/file.hpp"
#include "sim/trace/record.hpp"

namespace xcallsim::trace {

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual void function(std::string_view name) = 0;             // id = number defined so far
  virtual void mask(std::span<const std::uint64_t> words) = 0;  // id = number defined so far
  virtual void record(const Record& record) = 0;
};

// Streams to a trace file; the caller finishes the Writer.
class WriterSink final : public RecordSink {
 public:
  explicit WriterSink(Writer& writer) : writer_(&writer) {}
  void function(std::string_view name) override { writer_->add_function(std::string(name)); }
  void mask(std::span<const std::uint64_t> words) override {
    writer_->add_mask(std::vector<std::uint64_t>(words.begin(), words.end()));
  }
  void record(const Record& record) override { writer_->write(record); }

 private:
  Writer* writer_;
};

// Both, in order: first, then second.
class TeeSink final : public RecordSink {
 public:
  TeeSink(RecordSink& first, RecordSink& second) : first_(&first), second_(&second) {}
  void function(std::string_view name) override {
    first_->function(name);
    second_->function(name);
  }
  void mask(std::span<const std::uint64_t> words) override {
    first_->mask(words);
    second_->mask(words);
  }
  void record(const Record& record) override {
    first_->record(record);
    second_->record(record);
  }

 private:
  RecordSink* first_;
  RecordSink* second_;
};

}  // namespace xcallsim::trace
