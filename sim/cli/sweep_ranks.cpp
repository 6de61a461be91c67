#include "sim/cli/sweep_ranks.hpp"

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#ifdef XCALLSIM_HAVE_MPI
#include <mpi.h>
#endif

namespace xcallsim::cli {
namespace {

[[maybe_unused]] constexpr int kTagRow = 1;    // worker -> 0: a row (or "ready", index -1)
[[maybe_unused]] constexpr int kTagPoint = 2;  // 0 -> worker: a point index, or -1: stop
bool initialised = false;

// Started by an MPI launcher: Open MPI's mpirun, or a PMI/PMIx one (srun).
bool launched_by_mpi() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(var) != nullptr) return true;
  return false;
}

[[maybe_unused]] std::string encode(const sweep::Row& row) {
  return nlohmann::json{{"index", row.point.index},
                        {"failed", row.failed},
                        {"error", row.error},
                        {"values", row.values}}
      .dump();
}

}  // namespace

#ifdef XCALLSIM_HAVE_MPI

std::optional<MpiWorld> mpi_world() {
  if (!launched_by_mpi()) return std::nullopt;
  if (!initialised) {
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    initialised = true;
  }
  MpiWorld w;
  MPI_Comm_rank(MPI_COMM_WORLD, &w.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &w.size);
  return w;
}

void mpi_finish() {
  if (initialised) MPI_Finalize();
  initialised = false;
}

void serve_points(const sweep::Spec& spec, const std::vector<sweep::Point>& grid) {
  std::string message = R"({"index":-1})";  // ready
  for (;;) {
    MPI_Send(message.data(), static_cast<int>(message.size()), MPI_CHAR, 0, kTagRow,
             MPI_COMM_WORLD);
    long long index = -1;
    MPI_Recv(&index, 1, MPI_LONG_LONG, 0, kTagPoint, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (index < 0 || static_cast<std::size_t>(index) >= grid.size()) return;
    message = encode(sweep::run_point(spec, grid[static_cast<std::size_t>(index)]));
  }
}

Coordinator::Coordinator(const MpiWorld& world) : workers_(world.size - 1) {}
Coordinator::~Coordinator() = default;

bool Coordinator::poll(const std::function<std::optional<std::size_t>()>& next,
                       const std::function<void(sweep::Row)>& on_row) {
  bool any = false;
  for (;;) {
    int waiting = 0;
    MPI_Status status;
    MPI_Iprobe(MPI_ANY_SOURCE, kTagRow, MPI_COMM_WORLD, &waiting, &status);
    if (waiting == 0) return any;
    any = true;
    int bytes = 0;
    MPI_Get_count(&status, MPI_CHAR, &bytes);
    std::string text(static_cast<std::size_t>(bytes), '\0');
    MPI_Recv(text.data(), bytes, MPI_CHAR, status.MPI_SOURCE, kTagRow, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
    const auto j = nlohmann::json::parse(text);
    if (j.at("index").get<long long>() >= 0) {
      sweep::Row row;
      row.point.index = j.at("index").get<std::size_t>();
      row.failed = j.at("failed").get<bool>();
      row.error = j.at("error").get<std::string>();
      row.values = j.at("values").get<std::vector<std::string>>();
      on_row(std::move(row));
    }
    const std::optional<std::size_t> point = next();
    const long long index = point ? static_cast<long long>(*point) : -1;
    if (!point) ++stopped_;
    MPI_Send(&index, 1, MPI_LONG_LONG, status.MPI_SOURCE, kTagPoint, MPI_COMM_WORLD);
  }
}

bool Coordinator::all_stopped() const {
  return stopped_ >= workers_;
}

#else  // built without MPI: every run is one process

std::optional<MpiWorld> mpi_world() {
  (void)launched_by_mpi;
  (void)initialised;
  return std::nullopt;
}
void mpi_finish() {}
void serve_points(const sweep::Spec&, const std::vector<sweep::Point>&) {}
Coordinator::Coordinator(const MpiWorld& world) : workers_(world.size - 1) {}
Coordinator::~Coordinator() = default;
bool Coordinator::poll(const std::function<std::optional<std::size_t>()>&,
                       const std::function<void(sweep::Row)>&) {
  return false;
}
bool Coordinator::all_stopped() const {
  return true;
}

#endif

}  // namespace xcallsim::cli
