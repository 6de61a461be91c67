// xcall_load: a small static program, run as part of a busybox initramfs under
// QEMU by capture.sh, that makes the Linux kernel issue cross-CPU calls:
//   1. membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED): smp_call_function_many_cond
//      to every CPU currently running this process (spinner threads pinned to
//      CPUs 1..n-1 keep them there);
//   2. membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, MEMBARRIER_CMD_FLAG_CPU):
//      a single-target synchronous smp_call_function_single;
//   3. munmap / mprotect of pages touched by all threads: TLB shootdowns
//      (flush_tlb_mm_range -> on_each_cpu_cond_mask -> smp_call_function_many_cond).
// With a second argument "full" (capture.sh's full recipe), after the spinners stop:
//   4. wake-burst: threads on CPUs 0..n-2, released together, wake one reader each
//      blocked on CPU n-1 (idle): the TTWU wakelist queues several entries on one
//      target behind one IPI (or none, if the idle CPU was polling), while CPU 0
//      munmaps page tables the idle target still has lazily loaded, so its TLB
//      flush csd may ride the same pending IPI;
//   5. static-key: toggling an unused tracepoint patches kernel text
//      (text_poke_bp -> on_each_cpu(do_sync_core, NULL, 1)) on idle targets.
// Phases are marked in the trace through trace_marker. Build: gcc -static -O2 -pthread.
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { kMaxCpus = 64, kPages = 8 };

static atomic_int stop_flag;
static atomic_int ready_count;
static _Atomic(char*) shared_pages;
static atomic_int pages_in_use;  // spinners touching shared_pages right now
static int marker_fd = -1;

static void mark(const char* what) {
  if (marker_fd >= 0) (void)!write(marker_fd, what, strlen(what));
  fprintf(stderr, "xcall_load: %s\n", what);
}

static void pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) perror("sched_setaffinity");
}

// Phase 4: a reader blocked on CPU n-1 per waker; wakers spin on `go`.
enum { kMaxWakers = 8 };
static atomic_int go_round;
static atomic_int wakers_ready;
static int pipes[kMaxWakers][2];

static void* reader(void* arg) {
  long i = (long)arg;
  char c;
  while (read(pipes[i][0], &c, 1) == 1 && c != 'q') {
  }
  return NULL;
}

struct waker_arg {
  int cpu, index, rounds;
};

static void* waker(void* p) {
  struct waker_arg* a = p;
  pin(a->cpu);
  for (int r = 1; r <= a->rounds; ++r) {
    atomic_fetch_add(&wakers_ready, 1);
    while (atomic_load(&go_round) < r) {
    }
    (void)!write(pipes[a->index][1], "w", 1);
  }
  return NULL;
}

static void wake_burst(long ncpu, int rounds) {
  int target = (int)ncpu - 1, nw = (int)ncpu - 1;
  if (nw > kMaxWakers) nw = kMaxWakers;
  if (nw < 1) return;
  pthread_t readers[kMaxWakers], wakers[kMaxWakers];
  struct waker_arg args[kMaxWakers];
  for (int i = 0; i < nw; ++i) {
    if (pipe(pipes[i]) != 0) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(target, &set);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setaffinity_np(&attr, sizeof set, &set);
    pthread_create(&readers[i], &attr, reader, (void*)(long)i);
    pthread_attr_destroy(&attr);
  }
  for (int i = 1; i < nw; ++i) {  // waker 0 is this thread, on CPU 0
    args[i] = (struct waker_arg){.cpu = i, .index = i, .rounds = rounds};
    pthread_create(&wakers[i], NULL, waker, &args[i]);
  }
  usleep(20000);  // the readers block; CPU n-1 goes idle
  for (int r = 1; r <= rounds; ++r) {
    // Page tables the target touched (a reader thread of this mm ran there):
    // munmap frees them, so the flush goes to lazy CPUs too (no cond filter).
    char* big = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (big != MAP_FAILED) memset(big, 1, 4 << 20);
    while (atomic_load(&wakers_ready) < (nw - 1) * r) {
    }
    usleep(5000);
    atomic_store(&go_round, r);
    (void)!write(pipes[0][1], "w", 1);
    if (big != MAP_FAILED) munmap(big, 4 << 20);
    usleep(20000);
  }
  for (int i = 1; i < nw; ++i) pthread_join(wakers[i], NULL);
  for (int i = 0; i < nw; ++i) {
    (void)!write(pipes[i][1], "q", 1);
    pthread_join(readers[i], NULL);
  }
}

// Phase 5: each enable/disable of a tracepoint flips its static key.
static void static_key_flips(int rounds) {
  const char* path = "/sys/kernel/tracing/events/irq_vectors/thermal_apic_entry/enable";
  for (int i = 0; i < rounds; ++i) {
    int fd = open(path, O_WRONLY);
    if (fd < 0) return;
    (void)!write(fd, i % 2 == 0 ? "1" : "0", 1);
    close(fd);
    usleep(10000);
  }
}

static int membarrier(int cmd, unsigned flags, int cpu) {
  return (int)syscall(__NR_membarrier, cmd, flags, cpu);
}

static void* spinner(void* arg) {
  pin((int)(long)arg);
  atomic_fetch_add(&ready_count, 1);
  while (!atomic_load_explicit(&stop_flag, memory_order_relaxed)) {
    atomic_fetch_add(&pages_in_use, 1);
    char* p = atomic_load(&shared_pages);
    if (p != NULL) {  // put this CPU in the mm's TLB set; page 0 is only read (mprotect target)
      volatile char sink = p[0];
      (void)sink;
      for (int i = 1; i < kPages; ++i) p[i * 4096] += 1;
    }
    atomic_fetch_sub(&pages_in_use, 1);
  }
  return NULL;
}

int main(int argc, char** argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 20;
  int full = argc > 2 && strcmp(argv[2], "full") == 0;
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  if (ncpu > kMaxCpus) ncpu = kMaxCpus;
  marker_fd = open("/sys/kernel/tracing/trace_marker", O_WRONLY);
  pin(0);
  pthread_t threads[kMaxCpus];
  for (long c = 1; c < ncpu; ++c) pthread_create(&threads[c], NULL, spinner, (void*)c);
  while (atomic_load(&ready_count) < ncpu - 1) sched_yield();

  mark("phase membarrier-expedited");
  if (membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) != 0) perror("register");
  for (int i = 0; i < rounds; ++i) {
    if (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0) perror("membarrier");
  }

  mark("phase membarrier-rseq-cpu");
  if (membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0) != 0)
    perror("register rseq");
  for (int i = 0; i < rounds; ++i) {
    int cpu = 1 + i % (int)(ncpu > 1 ? ncpu - 1 : 1);
    if (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, MEMBARRIER_CMD_FLAG_CPU, cpu) != 0)
      perror("membarrier rseq");
  }

  mark("phase tlb-shootdown");
  for (int i = 0; i < rounds; ++i) {
    char* p = mmap(NULL, kPages * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return 1;
    memset(p, 1, kPages * 4096);
    atomic_store(&shared_pages, p);
    for (volatile int spin = 0; spin < 200000; ++spin) {
    }
    mprotect(p, 4096, PROT_READ);  // shootdown while the others still use the pages
    atomic_store(&shared_pages, NULL);
    while (atomic_load(&pages_in_use) != 0) {
    }
    munmap(p, kPages * 4096);
  }

  atomic_store(&stop_flag, 1);
  for (long c = 1; c < ncpu; ++c) pthread_join(threads[c], NULL);
  if (full) {
    mark("phase wake-burst");
    wake_burst(ncpu, rounds);
    mark("phase static-key");
    static_key_flips(rounds % 2 == 0 ? rounds : rounds + 1);
  }
  mark("phase done");
  return 0;
}
