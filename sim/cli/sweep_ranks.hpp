// Contract: spreading a sweep's points over MPI ranks (Open MPI, through the
// MPI C API). mpi_world() initialises MPI only when the process was started
// by an MPI launcher (mpirun, srun: their environment says so), so the
// binary runs as ever without one; it returns nullopt then, or without MPI
// in the build. Rank 0 keeps the grid and the output: a Coordinator hands
// point indices to the other ranks on request (dynamic assignment) and
// collects their rows; every other rank runs serve_points() until told to
// stop. Rows travel as JSON; output bytes depend only on the rows, so one
// process and K ranks write the same CSV. Only the thread that called
// mpi_world() calls into MPI (MPI_THREAD_FUNNELED).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "sim/sweep/sweep.hpp"

namespace xcallsim::cli {

struct MpiWorld {
  int rank = 0;
  int size = 1;
};

std::optional<MpiWorld> mpi_world();  // MPI_Init_thread once, if launched by MPI
void mpi_finish();                    // MPI_Finalize, if mpi_world() initialised it

// Rank > 0: request, run, report, until rank 0 says stop.
void serve_points(const sweep::Spec& spec, const std::vector<sweep::Point>& grid);

class Coordinator {
 public:
  explicit Coordinator(const MpiWorld& world);
  ~Coordinator();
  Coordinator(const Coordinator&) = delete;
  Coordinator& operator=(const Coordinator&) = delete;
  // Answers every message waiting: stores each row through `on_row` and
  // replies with `next()` (an index, or nullopt: stop). False if none waited.
  bool poll(const std::function<std::optional<std::size_t>()>& next,
            const std::function<void(sweep::Row)>& on_row);
  bool all_stopped() const;  // every other rank has been told to stop

 private:
  int workers_ = 0, stopped_ = 0;
};

}  // namespace xcallsim::cli
