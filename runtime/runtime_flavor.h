/// \file
/// RuntimeFlavor: which scheduler a runtime was built with
/// (Handle::runtime_flavor(), tokio's RuntimeFlavor).

#ifndef WEFT_RUNTIME_RUNTIME_FLAVOR_H_
#define WEFT_RUNTIME_RUNTIME_FLAVOR_H_

namespace weft {

/// The scheduler a runtime was built with.
enum class RuntimeFlavor {
  kCurrentThread,  ///< Runtime::Builder::current_thread()
  kMultiThread,    ///< Runtime::Builder::multi_thread()
};

}  // namespace weft

#endif  // WEFT_RUNTIME_RUNTIME_FLAVOR_H_
