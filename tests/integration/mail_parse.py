# mail_parse.py: prints one field of a stored mail: a header (decoded), "text", "html", or "link PATH".
# usage: /usr/bin/python3 mail_parse.py FILE FIELD [ARG]
import email, email.header, email.policy, re, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
f = sys.argv[2]
if f in ("text", "html"):
    part = m.get_body(preferencelist=("plain",) if f == "text" else ("html",))
    print(part.get_content())
elif f == "link":
    text = m.get_body(preferencelist=("plain",)).get_content()
    for u in re.findall(r"https?://\S+", text):
        if sys.argv[3] in u:
            print(u)
            break
else:
    v = m.get(f)
    print("" if v is None else str(v))
