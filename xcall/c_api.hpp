// C-style free functions bound to one global Xcall instance, for code that
// wants the kernel's spelling (the guest's scenarios):
//
//   XcallStaticStorage<GuestPlatform, 64> storage;
//   Xcall<GuestPlatform> g_xcall(platform, storage.state);
//   XCALLSIM_XCALL_DEFINE_C_API(GuestPlatform, g_xcall)
//
// defines, in the current namespace, call_single_data_t, xcall_cpumask_t and
// inline smp_xcall*, smp_call_function*, on_each_cpu_cond_mask,
// generic_smp_call_function_single_interrupt and flush_smp_call_function_queue
// forwarding to `instance` (an expression naming an Xcall<Platform>).
// Freestanding.
#pragma once

#include "xcall/xcall.hpp"

// clang-format off
#define XCALLSIM_XCALL_DEFINE_C_API(Platform, instance)                                          \
  using call_single_data_t = ::xcallsim::xcall::call_single_data<Platform>;                      \
  using xcall_cpumask_t = ::xcallsim::xcall::cpumask<Platform::max_cpus>;                        \
  using ::xcallsim::xcall::smp_call_func_t;                                                      \
  using ::xcallsim::xcall::smp_cond_func_t;                                                      \
  using ::xcallsim::xcall::XCALL_TYPE_ASYNC;                                                     \
  using ::xcallsim::xcall::XCALL_TYPE_SYNC;                                                      \
  using ::xcallsim::xcall::XCALL_TYPE_IRQ_WORK;                                                  \
  using ::xcallsim::xcall::XCALL_TYPE_TTWU;                                                      \
  using ::xcallsim::xcall::XCALL_TYPE_MASK;                                                      \
  using ::xcallsim::xcall::XCALL_ALL;                                                            \
  inline int smp_xcall(int cpu, smp_call_func_t func, void* info, unsigned int flags) {          \
    return (instance).smp_xcall(cpu, func, info, flags);                                         \
  }                                                                                              \
  inline int smp_xcall_cond(int cpu, smp_call_func_t func, void* info, unsigned int flags,       \
                            smp_cond_func_t cond_func) {                                         \
    return (instance).smp_xcall_cond(cpu, func, info, flags, cond_func);                         \
  }                                                                                              \
  inline int smp_xcall_mask(const xcall_cpumask_t* mask, smp_call_func_t func, void* info,       \
                            unsigned int flags) {                                                \
    return (instance).smp_xcall_mask(mask, func, info, flags);                                   \
  }                                                                                              \
  inline int smp_xcall_mask_cond(const xcall_cpumask_t* mask, smp_call_func_t func, void* info,  \
                                 unsigned int flags, smp_cond_func_t cond_func) {                \
    return (instance).smp_xcall_mask_cond(mask, func, info, flags, cond_func);                   \
  }                                                                                              \
  inline int smp_xcall_private(int cpu, call_single_data_t* csd, unsigned int flags) {           \
    return (instance).smp_xcall_private(cpu, csd, flags);                                        \
  }                                                                                              \
  inline int smp_xcall_any(const xcall_cpumask_t* mask, smp_call_func_t func, void* info,        \
                           unsigned int flags) {                                                 \
    return (instance).smp_xcall_any(mask, func, info, flags);                                    \
  }                                                                                              \
  inline int smp_call_function_single(int cpu, smp_call_func_t func, void* info, int wait) {     \
    return (instance).smp_call_function_single(cpu, func, info, wait);                           \
  }                                                                                              \
  inline int smp_call_function_single_async(int cpu, call_single_data_t* csd) {                  \
    return (instance).smp_call_function_single_async(cpu, csd);                                  \
  }                                                                                              \
  inline void smp_call_function_many(const xcall_cpumask_t* mask, smp_call_func_t func,          \
                                     void* info, bool wait) {                                    \
    (instance).smp_call_function_many(mask, func, info, wait);                                   \
  }                                                                                              \
  inline void smp_call_function(smp_call_func_t func, void* info, bool wait) {                   \
    (instance).smp_call_function(func, info, wait);                                              \
  }                                                                                              \
  inline int smp_call_function_any(const xcall_cpumask_t* mask, smp_call_func_t func,           \
                                    void* info, int wait) {                                      \
    return (instance).smp_call_function_any(mask, func, info, wait);                             \
  }                                                                                              \
  inline void on_each_cpu_cond_mask(smp_cond_func_t cond_func, smp_call_func_t func, void* info, \
                                    bool wait, const xcall_cpumask_t* mask) {                    \
    (instance).on_each_cpu_cond_mask(cond_func, func, info, wait, mask);                         \
  }                                                                                              \
  inline void generic_smp_call_function_single_interrupt() {                                     \
    (instance).generic_smp_call_function_single_interrupt();                                     \
  }                                                                                              \
  inline void flush_smp_call_function_queue() { (instance).flush_smp_call_function_queue(); }
// clang-format on
