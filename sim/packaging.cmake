# Contract: `cmake --install` puts xcallsim where users' own projects find it
# with find_package(xcallsim): the `xcallsim` binary, the module libraries and
# their headers (include/xcallsim/{sim,xcall}/...), the machine and scenario
# configs (share/xcallsim/configs), and exported targets xcallsim::<module>.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(xcallsim_exported xcallsim_text xcallsim_plot xcallsim_config xcallsim_engine xcallsim_machine xcallsim_apic
    xcallsim_trace xcallsim_smp xcallsim_scenario xcallsim_replay xcallsim_testing xcall)
set(xcallsim_include_dir ${CMAKE_INSTALL_INCLUDEDIR}/xcallsim)

# Modules name the source root as their include directory; installed, it is
# include/xcallsim. Done here once instead of in every module.
foreach(target IN LISTS xcallsim_exported)
  set_property(TARGET ${target} PROPERTY INTERFACE_INCLUDE_DIRECTORIES
               "$<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>"
               "$<INSTALL_INTERFACE:${xcallsim_include_dir}>")
endforeach()

install(TARGETS ${xcallsim_exported} xcallsim_warnings EXPORT xcallsimTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS xcallsim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
foreach(dir sim xcall)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}/ DESTINATION ${xcallsim_include_dir}/${dir}
          FILES_MATCHING PATTERN "*.hpp")
endforeach()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/configs/ DESTINATION ${CMAKE_INSTALL_DATADIR}/xcallsim/configs
        FILES_MATCHING PATTERN "*.toml")
install(EXPORT xcallsimTargets NAMESPACE xcallsim::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/xcallsim)

set(config_in ${CMAKE_CURRENT_BINARY_DIR}/xcallsimConfig.cmake.in)
file(WRITE ${config_in} [=[
@PACKAGE_INIT@
# Before find_dependency: other packages' configs redefine PACKAGE_PREFIX_DIR.
set_and_check(XCALLSIM_CONFIGS_DIR "@PACKAGE_CMAKE_INSTALL_DATADIR@/xcallsim/configs")
include(CMakeFindDependencyMacro)
find_dependency(fmt)
find_dependency(Boost 1.74 COMPONENTS context)
find_dependency(tomlplusplus)
find_dependency(nlohmann_json)
include("${CMAKE_CURRENT_LIST_DIR}/xcallsimTargets.cmake")
]=])
configure_package_config_file(${config_in} ${CMAKE_CURRENT_BINARY_DIR}/xcallsimConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/xcallsim
                              PATH_VARS CMAKE_INSTALL_DATADIR)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/xcallsimConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/xcallsimConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/xcallsimConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/xcallsim)
