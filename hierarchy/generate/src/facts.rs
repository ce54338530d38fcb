//! Facter-like fact payloads (~6 KB of YAML per host), shaped like Facter 4's output.

use super::emit::{F, Out};
use super::rng::Rng;
use super::world::{Host, Subnet, Virt, World, ip_text};

const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const PKG_NAMES: &[&str] = &[
    "acl",
    "attr",
    "audit",
    "bash",
    "bind-utils",
    "binutils",
    "bzip2",
    "ca-certificates",
    "chrony",
    "coreutils",
    "cpio",
    "cronie",
    "curl",
    "cyrus-sasl-lib",
    "dbus",
    "device-mapper",
    "dhcp-client",
    "diffutils",
    "dmidecode",
    "e2fsprogs",
    "elfutils-libs",
    "ethtool",
    "expat",
    "file",
    "findutils",
    "firewalld",
    "gawk",
    "gdbm",
    "git",
    "glib2",
    "glibc",
    "gmp",
    "gnupg2",
    "grep",
    "grub2-common",
    "gzip",
    "hostname",
    "hwdata",
    "info",
    "iproute",
    "iptables",
    "iputils",
    "jq",
    "kbd",
    "kernel-tools",
    "kmod",
    "krb5-libs",
    "less",
    "libacl",
    "libblkid",
    "libcap",
    "libcurl",
    "libffi",
    "libgcc",
    "libselinux",
    "libstdc++",
    "libuuid",
    "libxml2",
    "logrotate",
    "lsof",
    "lvm2",
    "lz4",
    "man-db",
    "mdadm",
    "ncurses",
    "net-tools",
    "nfs-utils",
    "nspr",
    "nss",
    "openldap",
    "openssh",
    "openssh-server",
    "openssl",
    "p11-kit",
    "pam",
    "pcre2",
    "perl",
    "policycoreutils",
    "polkit",
    "procps-ng",
    "puppet-agent",
    "python3",
    "python3-libs",
    "readline",
    "rpm",
    "rsync",
    "rsyslog",
    "sed",
    "setup",
    "shadow-utils",
    "sqlite",
    "strace",
    "sudo",
    "systemd",
    "tar",
    "tcpdump",
    "tmux",
    "tzdata",
    "util-linux",
    "vim-minimal",
    "wget",
    "which",
    "xz",
    "yum-utils",
    "zlib",
];

fn b64(rng: &mut Rng, prefix: &str, n: usize) -> String {
    let mut s = String::with_capacity(prefix.len() + n + 1);
    s.push_str(prefix);
    rng.chars(B64, n, &mut s);
    s
}

fn gib(bytes: u64) -> String {
    format!("{:.2} GiB", bytes as f64 / (1u64 << 30) as f64)
}

fn mib(bytes: u64) -> String {
    format!("{:.2} MiB", bytes as f64 / (1u64 << 20) as f64)
}

fn pct(used: u64, total: u64) -> String {
    format!("{:.2}%", used as f64 * 100.0 / total.max(1) as f64)
}

fn mem_block(o: &mut Out, ind: usize, name: &str, total: u64, used: u64) {
    o.kv_flow(
        ind,
        name,
        &[
            ("available", F::S(&gib(total - used))),
            ("available_bytes", F::I((total - used) as i64)),
            ("capacity", F::S(&pct(used, total))),
            ("total", F::S(&gib(total))),
            ("total_bytes", F::I(total as i64)),
            ("used", F::S(&gib(used))),
            ("used_bytes", F::I(used as i64)),
        ],
    );
}

fn ip6_of(ip: [u8; 4], mac: &str) -> String {
    let m: Vec<&str> = mac.split(':').collect();
    format!("fd00:{:x}:{:x}::{}{}:{}{}", ip[1], ip[2], m[3], m[4], m[5], ip[3])
}

fn nic(o: &mut Out, ind: usize, name: &str, ip: [u8; 4], mac: &str, sn: &Subnet, speed: i64) {
    let ip_s = ip_text(ip);
    let net = sn.network();
    let ip6 = ip6_of(ip, mac);
    o.open(ind, name);
    o.open(ind + 1, "bindings");
    o.indent(ind + 2);
    o.raw("- address: ");
    o.qstr(&ip_s);
    o.nl();
    o.kv_s(ind + 3, "netmask", Subnet::MASK);
    o.kv_s(ind + 3, "network", &net);
    o.kv_s(ind + 1, "duplex", "full");
    o.kv_s(ind + 1, "ip", &ip_s);
    o.kv_s(ind + 1, "ip6", &ip6);
    o.kv_s(ind + 1, "mac", mac);
    o.kv_i(ind + 1, "mtu", i64::from(sn.mtu));
    o.kv_s(ind + 1, "netmask", Subnet::MASK);
    o.kv_s(ind + 1, "network", &net);
    o.kv_s(ind + 1, "operational_state", "up");
    o.kv_b(ind + 1, "physical", true);
    o.kv_i(ind + 1, "speed", speed);
}

/// Writes `facts:` contents (the mapping's entries) at indentation `ind`.
pub(crate) fn write_facts(o: &mut Out, ind: usize, w: &World, h: &Host, rng: &mut Rng) {
    let os = &w.oses[h.os];
    let sn = &w.subnets[h.subnet];
    let domain = w.domains[h.domain].name;
    let short = h.short();
    let redhat = os.family == "RedHat";
    let ip_s = ip_text(h.ip);
    let arch = if redhat { "x86_64" } else { "amd64" };
    let mem_total = u64::from(h.mem_gib) << 30;
    let mem_used = mem_total / 100 * rng.range(15, 85);
    let swap_total = (u64::from(h.mem_gib.min(16)) << 30) / 2;
    let swap_used = swap_total / 100 * rng.range(0, 20);
    let uptime = rng.range(60, 400 * 86400);
    let disk = rng.range(40, 500) << 30;

    o.kv_s(ind, "aio_agent_version", "7.30.0");
    o.kv_s(ind, "architecture", arch);
    o.kv_flow(ind, "augeas", &[("version", F::S("1.14.1"))]);
    o.kv_s(ind, "datacenter", w.locs[h.loc].code);
    let gw = format!("10.{}.0.1", sn.o2);
    o.kv_flow(ind, "dhcp_servers", &[("eth0", F::S(&gw)), ("system", F::S(&gw))]);

    o.open(ind, "disks");
    let ndisks = if h.virt == Virt::Physical { 3 } else { 1 + rng.below(2) };
    for d in 0..ndisks {
        let name = if h.virt == Virt::Kvm { ["vda", "vdb", "vdc"][d] } else { ["sda", "sdb", "sdc"][d] };
        let size = if d == 0 { disk } else { rng.range(100, 2000) << 30 };
        let model = match h.virt {
            Virt::Kvm => "QEMU HARDDISK",
            Virt::Vmware => "Virtual disk",
            Virt::Physical => "PERC H755 Front",
        };
        let vendor = match h.virt {
            Virt::Kvm => "QEMU",
            Virt::Vmware => "VMware",
            Virt::Physical => "DELL",
        };
        o.kv_flow(
            ind + 1,
            name,
            &[
                ("model", F::S(model)),
                ("size", F::S(&gib(size))),
                ("size_bytes", F::I(size as i64)),
                ("type", F::S(if h.virt == Virt::Physical { "ssd" } else { "hdd" })),
                ("vendor", F::S(vendor)),
            ],
        );
    }

    o.open(ind, "dmi");
    let (vendor, product) = match h.virt {
        Virt::Kvm => ("QEMU", "Standard PC (Q35 + ICH9, 2009)"),
        Virt::Vmware => ("VMware, Inc.", "VMware Virtual Platform"),
        Virt::Physical => ("Dell Inc.", "PowerEdge R650"),
    };
    let phys = h.virt == Virt::Physical;
    o.kv_flow(
        ind + 1,
        "bios",
        &[
            ("release_date", F::S(if phys { "11/14/2023" } else { "04/01/2014" })),
            ("vendor", F::S(if phys { "Dell Inc." } else { "SeaBIOS" })),
            ("version", F::S(if phys { "1.12.1" } else { "1.16.2-1.fc38" })),
        ],
    );
    o.kv_flow(
        ind + 1,
        "chassis",
        &[
            ("asset_tag", F::S(&format!("AT-{:06}", h.index))),
            ("type", F::S(if phys { "Rack Mount Chassis" } else { "Other" })),
        ],
    );
    o.kv_s(ind + 1, "manufacturer", vendor);
    o.open(ind + 1, "product");
    o.kv_s(ind + 2, "name", product);
    let serial = rng.hex(12).to_uppercase();
    o.kv_s(ind + 2, "serial_number", &serial);
    let u = rng.hex(32);
    o.kv_s(ind + 2, "uuid", &format!("{}-{}-{}-{}-{}", &u[0..8], &u[8..12], &u[12..16], &u[16..20], &u[20..32]));

    o.kv_s(ind, "domain", domain);
    o.kv_s(ind, "facterversion", "4.7.0");
    o.kv_s(ind, "filesystems", if redhat { "ext4,iso9660,vfat,xfs" } else { "ext2,ext4,vfat" });
    o.kv_b(ind, "fips_enabled", false);
    o.kv_s(ind, "fqdn", &h.name);
    o.kv_s(ind, "hostname", short);
    o.kv_s(ind, "ipaddress", &ip_s);
    o.kv_s(ind, "ipaddress6", &ip6_of(h.ip, &h.mac));
    o.kv_b(ind, "is_virtual", h.virt != Virt::Physical);
    o.kv_s(ind, "kernel", "Linux");
    let kmaj: String = os.kernel.split('.').take(2).collect::<Vec<_>>().join(".");
    o.kv_s(ind, "kernelmajversion", &kmaj);
    o.kv_s(ind, "kernelrelease", os.kernel);
    o.kv_s(ind, "kernelversion", os.kernel.split('-').next().unwrap_or(os.kernel));
    let load = rng.range(0, 400) as f64 / 100.0 * f64::from(h.cpus) / 4.0;
    let (l1, l5) = (load * (0.5 + rng.unit()), load * (0.8 + rng.unit() / 2.0));
    o.kv_flow(ind, "load_averages", &[("15m", F::R(load)), ("1m", F::R(l1)), ("5m", F::R(l5))]);
    o.kv_s(ind, "macaddress", &h.mac);

    o.open(ind, "memory");
    mem_block(o, ind + 1, "swap", swap_total, swap_used);
    mem_block(o, ind + 1, "system", mem_total, mem_used);

    o.open(ind, "mountpoints");
    let dev = if h.virt == Virt::Kvm { "/dev/vda" } else { "/dev/sda" };
    let fs = if redhat { "xfs" } else { "ext4" };
    let mounts: [(&str, u64, String); 3] = [
        ("/", disk / 2, format!("/dev/mapper/{}-root", if redhat { "rhel" } else { "vg0" })),
        ("/boot", 1 << 30, format!("{dev}1")),
        ("/var", disk / 4, format!("/dev/mapper/{}-var", if redhat { "rhel" } else { "vg0" })),
    ];
    let nmounts = if phys { 3 } else { 2 };
    for (mp, size, device) in mounts.iter().take(nmounts) {
        let used = size / 100 * rng.range(5, 90);
        let options = &["rw", "relatime", "seclabel", "attr2", "inode64", "noquota"][..if redhat { 6 } else { 2 }];
        o.kv_flow(
            ind + 1,
            mp,
            &[
                ("available", F::S(&gib(size - used))),
                ("available_bytes", F::I((size - used) as i64)),
                ("capacity", F::S(&pct(used, *size))),
                ("device", F::S(device)),
                ("filesystem", F::S(if *mp == "/boot" { "ext4" } else { fs })),
                ("options", F::L(options)),
                ("size", F::S(&gib(*size))),
                ("size_bytes", F::I(*size as i64)),
                ("used", F::S(&gib(used))),
                ("used_bytes", F::I(used as i64)),
            ],
        );
    }
    o.kv_s(ind, "netmask", Subnet::MASK);
    o.kv_s(ind, "network", &sn.network());

    o.open(ind, "networking");
    o.kv_s(ind + 1, "domain", domain);
    o.kv_s(ind + 1, "fqdn", &h.name);
    o.kv_s(ind + 1, "hostname", short);
    o.open(ind + 1, "interfaces");
    let speed = if h.virt == Virt::Physical { 25000 } else { 10000 };
    nic(o, ind + 2, "eth0", h.ip, &h.mac, sn, speed);
    if let Some((s2, ip2)) = h.secondary {
        let mac2 = format!("{}:{}", &h.mac[..14], rng.hex(2));
        nic(o, ind + 2, "eth1", ip2, &mac2, &w.subnets[s2], speed);
    }
    o.kv_flow(
        ind + 2,
        "lo",
        &[
            ("ip", F::S("127.0.0.1")),
            ("ip6", F::S("::1")),
            ("mtu", F::I(65536)),
            ("netmask", F::S("255.0.0.0")),
            ("network", F::S("127.0.0.0")),
        ],
    );
    o.kv_s(ind + 1, "ip", &ip_s);
    o.kv_s(ind + 1, "ip6", &ip6_of(h.ip, &h.mac));
    o.kv_s(ind + 1, "mac", &h.mac);
    o.kv_i(ind + 1, "mtu", i64::from(sn.mtu));
    o.kv_s(ind + 1, "netmask", Subnet::MASK);
    o.kv_s(ind + 1, "network", &sn.network());
    o.kv_s(ind + 1, "primary", "eth0");

    o.open(ind, "os");
    o.kv_s(ind + 1, "architecture", arch);
    if let Some(code) = os.codename {
        o.open(ind + 1, "distro");
        o.kv_s(ind + 2, "codename", code);
        o.kv_s(ind + 2, "description", os.description);
        o.kv_s(ind + 2, "id", os.name);
        release(o, ind + 2, os);
    }
    o.kv_s(ind + 1, "family", os.family);
    o.kv_s(ind + 1, "hardware", "x86_64");
    o.kv_s(ind + 1, "name", os.name);
    release(o, ind + 1, os);
    if redhat {
        o.kv_flow(
            ind + 1,
            "selinux",
            &[
                ("config_mode", F::S("enforcing")),
                ("config_policy", F::S("targeted")),
                ("current_mode", F::S("enforcing")),
                ("enabled", F::B(true)),
                ("enforced", F::B(true)),
                ("policy_version", F::S("33")),
            ],
        );
    }

    // A packages-like custom fact.
    let npkgs = 8 + rng.below(13);
    let pkgs: Vec<String> = rng
        .sample(PKG_NAMES.len(), npkgs)
        .into_iter()
        .map(|i| {
            let v = format!("{}.{}.{}", rng.range(0, 9), rng.range(0, 30), rng.range(0, 99));
            if redhat {
                format!("{}-{v}-{}.el{}", PKG_NAMES[i], rng.range(1, 40), os.major)
            } else {
                format!("{} {v}-{}", PKG_NAMES[i], rng.range(1, 9))
            }
        })
        .collect();
    o.kv_strs(ind, "package_inventory", &pkgs);

    o.open(ind, "partitions");
    for (i, size) in [1u64 << 30, disk - (1 << 30)].into_iter().enumerate() {
        let size_s = mib(size);
        let mut items = vec![("filesystem", F::S(if i == 0 { "ext4" } else { "LVM2_member" }))];
        if i == 0 {
            items.push(("mount", F::S("/boot")));
        }
        items.extend([("size", F::S(&size_s)), ("size_bytes", F::I(size as i64))]);
        o.kv_flow(ind + 1, &format!("{dev}{}", i + 1), &items);
    }
    o.kv_s(ind, "path", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/opt/puppetlabs/bin:/root/bin");

    o.open(ind, "processors");
    o.kv_i(ind + 1, "count", i64::from(h.cpus));
    o.kv_s(ind + 1, "isa", "x86_64");
    let model = match h.virt {
        Virt::Physical => "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz",
        _ => "Intel Xeon Processor (Icelake)",
    };
    let models: Vec<&str> = (0..h.cpus).map(|_| model).collect();
    o.kv_strs(ind + 1, "models", &models);
    o.kv_i(ind + 1, "physicalcount", if h.virt == Virt::Physical { 2 } else { i64::from(h.cpus) });
    o.kv_s(ind + 1, "speed", "2.00 GHz");
    o.kv_s(ind, "puppetversion", "7.30.0");
    o.kv_s(ind, "role", &role_of(w, h));

    o.open(ind, "ssh");
    let keys: [(&str, &str, &str, usize); 3] = [
        ("ecdsa", "ecdsa-sha2-nistp256", "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBB", 88),
        ("ed25519", "ssh-ed25519", "AAAAC3NzaC1lZDI1NTE5AAAAI", 43),
        ("rsa", "ssh-rsa", "AAAAB3NzaC1yc2EAAAADAQABAAABAQ", 342),
    ];
    for (i, (name, ty, prefix, n)) in keys.iter().enumerate() {
        o.open(ind + 1, name);
        let algo = [3, 4, 1][i];
        let (sha1, sha256) = (format!("SSHFP {algo} 1 {}", rng.hex(40)), format!("SSHFP {algo} 2 {}", rng.hex(64)));
        o.kv_flow(ind + 2, "fingerprints", &[("sha1", F::S(&sha1)), ("sha256", F::S(&sha256))]);
        o.kv_s(ind + 2, "key", &b64(rng, prefix, *n));
        o.kv_s(ind + 2, "type", ty);
    }
    o.kv_flow(
        ind,
        "system_uptime",
        &[
            ("days", F::I((uptime / 86400) as i64)),
            ("hours", F::I((uptime / 3600) as i64)),
            ("seconds", F::I(uptime as i64)),
            ("uptime", F::S(&format!("{} days", uptime / 86400))),
        ],
    );
    o.kv_s(ind, "timezone", "UTC");
    o.kv_s(ind, "virtual", h.virt.fact());
}

fn release(o: &mut Out, ind: usize, os: &super::world::Os) {
    if os.fact_minor.is_empty() {
        o.kv_flow(ind, "release", &[("full", F::S(os.release_full)), ("major", F::S(os.fact_major))]);
    } else {
        o.kv_flow(
            ind,
            "release",
            &[("full", F::S(os.release_full)), ("major", F::S(os.fact_major)), ("minor", F::S(os.fact_minor))],
        );
    }
}

fn role_of(w: &World, h: &Host) -> String {
    match h.hostgroup {
        Some(g) => w.hostgroups[g].title.rsplit('/').next().unwrap_or("none").to_lowercase(),
        None => "none".to_string(),
    }
}
