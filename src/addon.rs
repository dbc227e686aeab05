//! Where this addon's own `.node` file is, so that the JS layer can find
//! files shipped beside it (ONNX Runtime in a bundled deployment), wherever
//! a bundler or a deployment put it.

use napi_derive::napi;

/// The path of the loaded `.node` file; `null` where it cannot be told.
#[napi]
pub fn addon_path() -> Option<String> {
    own_path().map(|p| p.to_string_lossy().into_owned())
}

#[cfg(unix)]
fn own_path() -> Option<std::path::PathBuf> {
    use std::ffi::{c_char, c_int, c_void, CStr, OsStr};
    use std::os::unix::ffi::OsStrExt;

    #[repr(C)]
    struct DlInfo {
        fname: *const c_char,
        fbase: *mut c_void,
        sname: *const c_char,
        saddr: *mut c_void,
    }
    extern "C" {
        fn dladdr(address: *const c_void, info: *mut DlInfo) -> c_int;
    }
    let mut info = DlInfo {
        fname: std::ptr::null(),
        fbase: std::ptr::null_mut(),
        sname: std::ptr::null(),
        saddr: std::ptr::null_mut(),
    };
    // SAFETY: dladdr fills `info` for an address inside a loaded object (this
    // function's own code); `fname` then points to a NUL-terminated path
    // owned by the dynamic loader for as long as the object stays loaded.
    let found = unsafe { dladdr(own_path as *const c_void, &mut info) } != 0;
    if !found || info.fname.is_null() {
        return None;
    }
    let name = unsafe { CStr::from_ptr(info.fname) };
    Some(std::path::PathBuf::from(OsStr::from_bytes(name.to_bytes())))
}

#[cfg(windows)]
fn own_path() -> Option<std::path::PathBuf> {
    use std::ffi::{c_void, OsString};
    use std::os::windows::ffi::OsStringExt;

    const FROM_ADDRESS: u32 = 0x4; // GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS
    const UNCHANGED_REFCOUNT: u32 = 0x2; // GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT
    #[link(name = "kernel32")]
    extern "system" {
        fn GetModuleHandleExW(flags: u32, address: *const c_void, module: *mut *mut c_void) -> i32;
        fn GetModuleFileNameW(module: *mut c_void, name: *mut u16, size: u32) -> u32;
    }
    let mut module = std::ptr::null_mut();
    // SAFETY: the address is this function's own code, inside this module;
    // the handle is not reference-counted (UNCHANGED_REFCOUNT), so nothing
    // must be released.
    let ok = unsafe {
        GetModuleHandleExW(
            FROM_ADDRESS | UNCHANGED_REFCOUNT,
            own_path as *const c_void,
            &mut module,
        )
    };
    if ok == 0 {
        return None;
    }
    let mut buffer = vec![0u16; 32768];
    // SAFETY: `buffer` holds `buffer.len()` u16s for the name.
    let len = unsafe { GetModuleFileNameW(module, buffer.as_mut_ptr(), buffer.len() as u32) };
    (len > 0).then(|| OsString::from_wide(&buffer[..len as usize]).into())
}

#[cfg(not(any(unix, windows)))]
fn own_path() -> Option<std::path::PathBuf> {
    None
}
