// Chrome's CT log list (Google's v3 `log_list.json` format, https://www.gstatic.com/ct/log_list/v3/log_list.json),
// version 59.1 of 2025-07-10T12:53:11Z, as far as tls-trace could find it without a network: 30 of its logs
// (the ones whose intervals reach into 2026 and later, two Geomys tiled logs, and retired ones), transcribed
// from a public copy of that list. Every log_id was checked to be SHA-256 of its key when this file was written
// (test/ct/units.test.ts re-checks it). Newer lists: `--ct-log-list FILE`. Data only: the same
// parser reads this and a user's file (src/analyse/ct/log-list.ts).

export const BUNDLED_CT_LOG_LIST: unknown = {
  "version": "59.1",
  "log_list_timestamp": "2025-07-10T12:53:11Z",
  "operators": [
    {
      "name": "Google",
      "email": [
        "google-ct-logs@googlegroups.com"
      ],
      "logs": [
        {
          "description": "Google 'Argon2026h1' log",
          "log_id": "DleUvPOuqT4zGyyZB7P3kN+bwj1xMiXdIaklrGHFTiE=",
          "key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEB/we6GOO/xwxivy4HhkrYFAAPo6e2nc346Wo2o2U+GvoPWSPJz91s/xrEvA3Bk9kWHUUXVZS5morFEzsgdHqPg==",
          "url": "https://ct.googleapis.com/logs/us1/argon2026h1/",
          "mmd": 86400,
          "state": {
            "usable": {
              "timestamp": "2024-09-30T22:19:27Z"
            }
          },
          "temporal_interval": {
            "start_inclusive": "2026-01-01T00:00:00Z",
            "end_exclusive": "2026-07-01T00:00:00Z"
          }
        },
        {
          "description": "Google 'Argon2026h2' log",
          "log_id": "1219ENGn9XfCx+lf1wC/+YLJM1pl4dCzAXMXwMjFaXc=",
          "key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEKjpni/66DIYrSlGK6Rf+e6F2c/28ZUvDJ79N81+gyimAESAyeNZ++TRgjHWg9TVQnKHTSU0T1TtqDupFnSQTIg==",
          "url": "https://ct.googleapis.com/logs/us1/argon2026h2/",
          "mmd": 86400,
          "state": {
            "usable": {
              "timestamp": "2024-09-30T22:19:27Z"
            }
          },
          "temporal_interval": {
            "start_inclusive": "2026-07-01T00:00:00Z",
            "end_exclusive": "2027-01-01T00:00:00Z"
          }
        },
        {
          "description": "Google 'Xenon2026h1' log",
          "log_id": "lpdkv1VYl633Q4doNwhCd+nwOtX2pPM2bkakPw/KqcY=",
          "key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEOh/Iu87VkEc0ysoBBCchHOIpPZK7kUXHWj6l1PIS5ujmQ7rze8I4r/wjigVW6wMKMMxjbNk8vvV7lLqU07+ITA==",
          "url": "https://ct.googleapis.com/logs/eu1/xenon2026h1/",
          "mmd": 86400,
          "state": {
            "usable": {
              "timestamp": "2024-09-30T22:19:27Z"
            }
          },
          "temporal_interval": {
            "start_inclusive": "2026-01-01T00:00:00Z",
            "end_exclusive": "2026-07-01T00:00:00Z"
          }
        },
        {
          "description": "Google 'Xenon2026h2' log",
          "log_id": "2AlVO5RPev/IFhlvlE+Fq7D4/F6HVSYPFdEucrtFSxQ=",
          "key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE5Xd4lXEos5XJpcx6TOgyA5Z7/C4duaTbQ6C9aXL5Rbqaw+mW1XDnDX7JlRUninIwZYZDU9wRRBhJmCVopzwFvw==",
          "url": "https://ct.googleapis.com/logs/eu1/xenon2026h2/",
          "mmd": 86400,
          "state": {
            "usable": {
              "timestamp": "2024-09-30T22:19:27Z"
            }
          },
          "temporal_interval": {
            "start_inclusive": "2026-07-01T00:00:00Z",
            "end_exclusive": "2027-01-01T00:00:00Z"
          }
        }
      ],
      "tiled_logs": []
    },
    {
      "name": "Cloudflare",
      "email": [
        "ct-logs@cloudflare.com"
      ],
      "logs": [
        {
          "description": "Cloudflare 'Nimbus2026'",
          "log_id": "yzj3FYl8hKFEX1vB3fvJbvKaWc1HCmkFhbDLFMMUWOc=",
          "key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2FxhT6xq0iCATopC9gStS9SxHHmOKTLeaVNZ661488Aq8tARXQV+6+jB0983v5FkRm4OJxPqu29GJ1iG70Ahow==",
          "url": "https://ct.cloudflare.com/logs/nimbus2026/",
          "mmd": 86400,
          "state": {
            "usable": {
              "timestamp": "2024-11-08T18:00:00Z"
            }
          },
          "temporal_interval": {
            "start_inclusive": "2026-01-01T00:00:00Z",
            "end_exclusive": "2027-01-01T00:00:00Z"
          }
        }
      ],
      "tiled_logs": []
    },
    {
      "name": "DigiCert",
      "email": [
        "ctops@digicert.com"
      ],
      "logs": [
        {
          "description": "DigiCert Yeti2025 Log",
          "log_id": "fVkeEuF4KnscYWd8Xv340IdcFKBOlZ65Ay/ZDowuebg=",
          "key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE35UAXhDBAfc34xB00f+yypDtMplfDDn+odETEazRs3OTIMITPEy1elKGhj3jlSR82JGYSDvw8N8h8bCBWlklQw==",
          "url": "https://yeti2025.ct.digicert.com/log/",
          "mmd": 86400,
          "state": {
            "retired": {
              "timestamp": "2025-07-24T00:00:00Z"
            }
          },
          "temporal_interval": {
            "start_inclusive": "2025-01-01T00:00:00Z",
            "end_exclusive": "2026-01-01T00:00:00Z"
          }
        },
        {
          "description": "DigiCert Nessie2025 Log",
          "log_id": "5tIxY0B3jMEQQQbXcbnOwdJA9paEhvu6hzId/R43jlA=",
          "key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE8vDwp4uBLgk5O59C2jhEX7TM7Ta72EN/FklXhwR/pQE09+hoP7d4H2BmLWeadYC3U6eF1byrRwZV27XfiKFvOA==",
          "url": "https://nessie2025.ct.digicert.com/log/",
          "mmd": 86400,
          "state": {
            "retired": {
              "timestamp": "2025-04-15T23:00:00Z"
            }
          },
          "temporal_interval": {
            "start_inclusive": "2025-01-01T00:00:00Z",
            "end_exclusive": "2026-01-01T00:00:00Z"
          }
        },
        {
          "description": "DigiCert 'Wyvern2026h1'",
          "log_id": "ZBHEbKQS7KeJHKICLgC8q08oB9QeNSer6v7VA8l9zfA=",
          "key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE7Lw0OeKajbeZepHxBXJS2pOJXToHi5ntgKUW2nMhIOuGlofFxtkXum65TBNY1dGD+HrfHge8Fc3ASs0qMXEHVQ==",
          "url": "https://wyvern.ct.digicert.com/2026h1/",
          "mmd": 86400,
          "state": {
            "usable": {
              "timestamp": "2024-11-08T00:00:00Z"
            }
          },
          "temporal_interval": {
            "start_inclusive": "2026-01-01T00:00:00Z",
            "end_exclusive": "2026-07-01T00:00:00Z"
          }
        },
        {
          "description": "DigiCert 'Wyvern2026h2'",
          "log_id": "wjF+V0UZo0XufzjespBB68fCIVoiv3/Vta12mtkOUs0=",
          "key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEenPbSvLeT+zhFBu+pqk8IbhFEs16iCaRIFb1STLDdWzL6XwTdTWcbOzxMTzB3puME5K3rT0PoZyPSM50JxgjmQ==",
          "url": "https://wyvern.ct.digicert.com/2026h2/",
          "mmd": 86400,
          "state": {
            "usable": {
              "timestamp": "2024-11-08T00:00:00Z"
            }
          },
          "temporal_interval": {
            "start_inclusive": "2026-07-01T00:00:00Z",
            "end_exclusive": "2027-01-01T00:00:00Z"
          }
        },
        {
          "description": "DigiCert 'Sphinx2026h1'",
          "log_id": "SZybad4dfOz8Nt7Nh2SmuFuvCoeAGdFVUvvp6ynd+MM=",
          "key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEq4S++DyHokIlmmacritS51r5IRsZA6UH4kYLH4pefGyu/xl3huh7/O5rNk/yvMOeBQKaCAG1SSM1xNNQK1Hp9A==",
          "url": "https://sphinx.ct.digicert.com/2026h1/",
          "mmd": 86400,
          "state": {
            "usable": {
              "timestamp": "2024-11-08T00:00:00Z"
            }
          },
          "temporal_interval": {
            "start_inclusive": "2026-01-01T00:00:00Z",
            "end_exclusive": "2026-07-01T00:00:00Z"
          }
        },
        {
          "description": "DigiCert 'Sphinx2026h2'",
          "log_id": "lE5Dh/rswe+B8xkkJqgYZQHH0184AgE/cmd9VTcuGdg=",
          "key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEquD0JkRQT/2inuaA4HC1sc6UpfiXgURVQmQcInmnZFnTiZMhZvsJgWAfYlU0OIykOC6slQzr7U9kvEVC9wZ6zQ==",
          "url": "https://sphinx.ct.digicert.com/2026h2/",
          "mmd": 86400,
          "state": {
            "usable": {
              "timestamp": "2024-11-08T00:00:00Z"
            }
          },
          "temporal_interval": {
            "start_inclusive": "2026-07-01T00:00:00Z",
            "end_exclusive": "2027-01-01T00:00:00Z"
          }
        }
      ],
      "tiled_logs": []
    },
    {
      "name": "Sectigo",
      "email": [
        "ctops@sectigo.com"
      ],
      "logs": [
        {
          "description": "Sectigo 'Mammoth2026h1'",
          "log_id": "JS+Uwisp6W6fQRpyBytpXFtS/5epDSVAu/zcUexN7gs=",
          "key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEnssMilHMiuILzoXmr00x2xtqTP2weWuZl8Bd+25FUB1iqsafm2sFPaKrK12Im1Ao4p5YpaX6+eP6FSXjFBMyxA==",
          "url": "https://mammoth2026h1.ct.sectigo.com/",
          "mmd": 86400,
          "state": {
            "usable": {
              "timestamp": "2024-10-14T17:00:00Z"
            }
          },
          "temporal_interval": {
            "start_inclusive": "2026-01-01T00:00:00Z",
            "end_exclusive": "2026-07-01T00:00:00Z"
          }
        },
        {
          "description": "Sectigo 'Mammoth2026h2'",
          "log_id": "lLHBirDQV8R74KwEDh8svI3DdXJ7yVHyClJhJoY7pzw=",
          "key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE7INh8te0u+TkO+vIY3WYz2GQYxQ9XyLfdLpQp1ibaX3mY4lt2ddRhD/4AtjI/8KXceV+J/VysY8kJ1cKDXTAtg==",
          "url": "https://mammoth2026h2.ct.sectigo.com/",
          "mmd": 86400,
          "state": {
            "usable": {
              "timestamp": "2024-10-14T17:00:00Z"
            }
          },
          "temporal_interval": {
            "start_inclusive": "2026-07-01T00:00:00Z",
            "end_exclusive": "2027-01-01T00:00:00Z"
          }
        },
        {
          "description": "Sectigo 'Sabre2026h1'",
          "log_id": "VmzVo3a+g9/jQrZ1xJwjJJinabrDgsurSaOHfZqzLQE=",
          "key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEhCa8Nr3YjTyHnuAQr82U2de5UYA0fvdYXHPq6wmTuBB7kJx9x82WQ+1TbpUhRmdR8N62yZ6q4oBtziWBNNdqYA==",
          "url": "https://sabre2026h1.ct.sectigo.com/",
          "mmd": 86400,
          "state": {
            "usable": {
              "timestamp": "2024-10-14T17:00:00Z"
            }
          },
          "temporal_interval": {
            "start_inclusive": "2026-01-01T00:00:00Z",
            "end_exclusive": "2026-07-01T00:00:00Z"
          }
        },
        {
          "description": "Sectigo 'Sabre2026h2'",
          "log_id": "H1bRq5RwSkHdP+r99GmTVTAsFDG/5hNGCJ//rnldzC8=",
          "key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEzjXK7DkHgtp3J4bk8n7F3Djym6mrjKfA7YMePmobwPCVVroyM0x1fAkH6eE+ZTVj8Em+ctGqna99CMS0jVk9cw==",
          "url": "https://sabre2026h2.ct.sectigo.com/",
          "mmd": 86400,
          "state": {
            "usable": {
              "timestamp": "2024-10-14T17:00:00Z"
            }
          },
          "temporal_interval": {
            "start_inclusive": "2026-07-01T00:00:00Z",
            "end_exclusive": "2027-01-01T00:00:00Z"
          }
        },
        {
          "description": "Sectigo 'Elephant2026h1'",
          "log_id": "0W6ppWgHfmY1oD83pd28A6U8QRIU1IgY9ekxsyPLlQQ=",
          "key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEU0lqnPHoXuU9Fc9dJv1HQZCvssJfvxLsirwVQ/fkFyUqeu4inwPKikeT4DGyyWWH4NR/DCJa2bAumHrXJdAcaQ==",
          "url": "https://elephant2026h1.ct.sectigo.com/",
          "mmd": 86400,
          "state": {
            "qualified": {
              "timestamp": "2025-05-13T01:33:20Z"
            }
          },
          "temporal_interval": {
            "start_inclusive": "2026-01-01T00:00:00Z",
            "end_exclusive": "2026-07-01T00:00:00Z"
          }
        },
        {
          "description": "Sectigo 'Elephant2026h2'",
          "log_id": "r2eIO1ewTt2Pptl+9i6o64EKx3Fg8CReVdYML+eFhzo=",
          "key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEO/t4Uwkoou78zkCchh9tfAKbIUJmbOoUAb8szD8StnnHFKAVY5kq1Ljs8YD7CfzdD7xcVjmQYpbtNUhxRMRtmA==",
          "url": "https://elephant2026h2.ct.sectigo.com/",
          "mmd": 86400,
          "state": {
            "qualified": {
              "timestamp": "2025-05-13T01:33:20Z"
            }
          },
          "temporal_interval": {
            "start_inclusive": "2026-07-01T00:00:00Z",
            "end_exclusive": "2027-01-01T00:00:00Z"
          }
        },
        {
          "description": "Sectigo 'Elephant2027h1'",
          "log_id": "YEyar3p/d18B1Ab8kg3ImesLHH34yVIb+voXdzuXi8k=",
          "key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE4fu36JygUwaaVO+ddWJ97FJZlA5SjPLmT+RHwg0pavkIrbT1b5LNQrsaEw0CoGraf7BkzKZf7PC8gYAScw2woA==",
          "url": "https://elephant2027h1.ct.sectigo.com/",
          "mmd": 86400,
          "state": {
            "qualified": {
              "timestamp": "2025-05-13T01:33:20Z"
            }
          },
          "temporal_interval": {
            "start_inclusive": "2027-01-01T00:00:00Z",
            "end_exclusive": "2027-07-01T00:00:00Z"
          }
        },
        {
          "description": "Sectigo 'Elephant2027h2'",
          "log_id": "okkM3NuOM6QAMhdg1tTVGiA2GR6nfZaL4mqKAPb///c=",
          "key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAECTPhpJnRFroRRpP/1DdAns+PrnmUywtqIV+EeL4Jg8zKouoW7kuAkYo+kZeoHtyK7CBhflIlMk7T2Qrn4w/t8g==",
          "url": "https://elephant2027h2.ct.sectigo.com/",
          "mmd": 86400,
          "state": {
            "qualified": {
              "timestamp": "2025-05-13T01:33:20Z"
            }
          },
          "temporal_interval": {
            "start_inclusive": "2027-07-01T00:00:00Z",
            "end_exclusive": "2028-01-01T00:00:00Z"
          }
        },
        {
          "description": "Sectigo 'Tiger2026h1'",
          "log_id": "FoMtq/CpJQ8P8DqlRf/Iv8gj0IdL9gQpJ/jnHzMT9fo=",
          "key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE73eDJyszDbzsWcgI0nbtU0+y11gQWjNjS/RSO5P4hOSFE+pPrDCtfNPHe6dq7/XQYwOFt9Feb8TwQW+mqXN5xg==",
          "url": "https://tiger2026h1.ct.sectigo.com/",
          "mmd": 86400,
          "state": {
            "qualified": {
              "timestamp": "2025-07-09T13:00:00Z"
            }
          },
          "temporal_interval": {
            "start_inclusive": "2026-01-01T00:00:00Z",
            "end_exclusive": "2026-07-01T00:00:00Z"
          }
        },
        {
          "description": "Sectigo 'Tiger2026h2'",
          "log_id": "yKPEf8ezrbk1awE/anoSbeM6TkOlxkb5l605dZkdz5o=",
          "key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEfJFUD/FRkonvZIA9ZT1J3yvA4EpSp3innbIVpMTDR1oCe5vguapheQ7wYiWaCES1EL1B+2BEC+P5bUfwF44lnA==",
          "url": "https://tiger2026h2.ct.sectigo.com/",
          "mmd": 86400,
          "state": {
            "qualified": {
              "timestamp": "2025-07-09T13:00:00Z"
            }
          },
          "temporal_interval": {
            "start_inclusive": "2026-07-01T00:00:00Z",
            "end_exclusive": "2027-01-01T00:00:00Z"
          }
        },
        {
          "description": "Sectigo 'Tiger2027h1'",
          "log_id": "HJ9oLOn68EVpUPgbloqH3dsyENhM5siy44JSSsTPWZ8=",
          "key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEmMQofpsDjCVYzF4jXdFWM/ioYBJIPcsQQrNAHE6v4lOsADoI+/jN1lph8x4K3NgnXDXwmyJcFwRYgVOBMhaYhA==",
          "url": "https://tiger2027h1.ct.sectigo.com/",
          "mmd": 86400,
          "state": {
            "qualified": {
              "timestamp": "2025-07-09T13:00:00Z"
            }
          },
          "temporal_interval": {
            "start_inclusive": "2027-01-01T00:00:00Z",
            "end_exclusive": "2027-07-01T00:00:00Z"
          }
        },
        {
          "description": "Sectigo 'Tiger2027h2'",
          "log_id": "A4AqwmL24F4D+Lxve5hRMk/Xaj31t1lRdeIi+46b1fY=",
          "key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEb0AgkemhsPmYe1goCSy5ncf2lG9vtK6f+SzODKJMYEgPOT+z93cUEKM1EaTuo09rozfdqhjeihIl25y9A3JhyQ==",
          "url": "https://tiger2027h2.ct.sectigo.com/",
          "mmd": 86400,
          "state": {
            "qualified": {
              "timestamp": "2025-07-09T13:00:00Z"
            }
          },
          "temporal_interval": {
            "start_inclusive": "2027-07-01T00:00:00Z",
            "end_exclusive": "2028-01-01T00:00:00Z"
          }
        }
      ],
      "tiled_logs": []
    },
    {
      "name": "Let's Encrypt",
      "email": [
        "sre@letsencrypt.org"
      ],
      "logs": [
        {
          "description": "Let's Encrypt 'Oak2026h1'",
          "log_id": "GYbUxyiqb/66A294Kk0BkarOLXIxD67OXXBBLSVMx9Q=",
          "key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEmdRhcCL6d5MNs8eAliJRvyV5sQFC6UF7iwzHsmVaifT64gJG1IrHzBAHESdFSJAjQN56TYky+9cK616MovH2SQ==",
          "url": "https://oak.ct.letsencrypt.org/2026h1/",
          "mmd": 86400,
          "state": {
            "usable": {
              "timestamp": "2024-11-04T00:00:00Z"
            }
          },
          "temporal_interval": {
            "start_inclusive": "2025-12-20T00:00:00Z",
            "end_exclusive": "2026-07-20T00:00:00Z"
          }
        },
        {
          "description": "Let's Encrypt 'Oak2026h2'",
          "log_id": "rKswcGzr7IQx9BPS9JFfER5CJEOx8qaMTzwrO6ceAsM=",
          "key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEanCds5bj7IU2lcNPnIvZfMnVkSmu69aH3AS8O/Y0D/bbCPdSqYjvuz9Z1tT29PxcqYxf+w1g5CwPFuwqsm3rFQ==",
          "url": "https://oak.ct.letsencrypt.org/2026h2/",
          "mmd": 86400,
          "state": {
            "usable": {
              "timestamp": "2024-11-04T00:00:00Z"
            }
          },
          "temporal_interval": {
            "start_inclusive": "2026-06-20T00:00:00Z",
            "end_exclusive": "2027-01-20T00:00:00Z"
          }
        }
      ],
      "tiled_logs": []
    },
    {
      "name": "TrustAsia",
      "email": [
        "trustasia-ct-logs@trustasia.com"
      ],
      "logs": [
        {
          "description": "TrustAsia 'log2026a'",
          "log_id": "dNudWPfUfp39eHoWKpkcGM9pjafHKZGMmhiwRQ26RLw=",
          "key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEp056yaYH+f907JjLSeEAJLNZLoP9wHA1M0xjynSDwDxbU0B8MR81pF8P5O5PiRfoWy7FrAAFyXY3RZcDFf9gWQ==",
          "url": "https://ct2026-a.trustasia.com/log2026a/",
          "mmd": 86400,
          "state": {
            "usable": {
              "timestamp": "2024-09-20T00:00:00Z"
            }
          },
          "temporal_interval": {
            "start_inclusive": "2025-12-24T00:00:00Z",
            "end_exclusive": "2027-01-08T00:00:00Z"
          }
        },
        {
          "description": "TrustAsia 'log2026b'",
          "log_id": "Jbfv3qETAZPtkweXcKoyKiZiDeNayKp8dRl94LGp4GU=",
          "key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEDxKMqebj7GLu31jIUOYmcHYQtwQ5s6f4THM7wzhaEgBM4NoOFopFMgoxqiLHnX0FU8eelOqbV0a/T6R++9/6hQ==",
          "url": "https://ct2026-b.trustasia.com/log2026b/",
          "mmd": 86400,
          "state": {
            "usable": {
              "timestamp": "2024-09-20T00:00:00Z"
            }
          },
          "temporal_interval": {
            "start_inclusive": "2025-12-24T00:00:00Z",
            "end_exclusive": "2027-01-08T00:00:00Z"
          }
        }
      ],
      "tiled_logs": []
    },
    {
      "name": "Geomys",
      "email": [
        "ct@geomys.org"
      ],
      "logs": [
        {
          "description": "Bogus placeholder log to unbreak misbehaving CT libraries",
          "log_id": "LtakTeuPDIZGZ3acTt0EH4QjZ1X6OqymNNCTXfzVmnA=",
          "key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEj4lCAxWCY6SzIthkqZhwiUVzcK62i6Fc+/YS0WHaN6jjO1ITUFuu8beOiU9PdeNmdalZcC3iWovAfApvXS33Nw==",
          "url": "https://ct.example.com/bogus/",
          "mmd": 86400,
          "state": {
            "retired": {
              "timestamp": "2025-06-21T07:00:00Z"
            }
          },
          "temporal_interval": {
            "start_inclusive": "2020-01-01T08:00:00Z",
            "end_exclusive": "2020-01-02T08:00:00Z"
          }
        }
      ],
      "tiled_logs": [
        {
          "description": "Geomys 'Tuscolo2026h1'",
          "log_id": "cX6V88I4im2x44RJPTHhWqliCHYtQgDgBQzQZ7WmYeI=",
          "key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEflxzMg2Ajjg7h1+ZIvQ9LV6yFvdj6uRi9YbvtRnSCgS2SamkH56WcPRaBTRYARPDIr5JwLqgJAVA/NvDxdJXOw==",
          "submission_url": "https://tuscolo2026h1.sunlight.geomys.org/",
          "monitoring_url": "https://tuscolo2026h1.skylight.geomys.org/",
          "mmd": 60,
          "state": {
            "qualified": {
              "timestamp": "2025-06-13T02:40:00Z"
            }
          },
          "temporal_interval": {
            "start_inclusive": "2026-01-01T00:00:00Z",
            "end_exclusive": "2026-07-01T00:00:00Z"
          }
        },
        {
          "description": "Geomys 'Tuscolo2026h2'",
          "log_id": "Rq+GPTs+5Z+ld96oJF02sNntIqIj9GF3QSKUUu6VUF8=",
          "key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEaA6P0i7JTsd9XfzF1/76avRWA3XXI4NStsFO/aFtBp6SY7olDEMiPSFSxGzFQjKA1r9vgG/oFQwurlWMy9FQNw==",
          "submission_url": "https://tuscolo2026h2.sunlight.geomys.org/",
          "monitoring_url": "https://tuscolo2026h2.skylight.geomys.org/",
          "mmd": 60,
          "state": {
            "qualified": {
              "timestamp": "2025-06-13T02:40:00Z"
            }
          },
          "temporal_interval": {
            "start_inclusive": "2026-07-01T00:00:00Z",
            "end_exclusive": "2027-01-01T00:00:00Z"
          }
        }
      ]
    }
  ]
};
