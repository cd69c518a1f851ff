//! Arguments of the attribute: `#[differentiate]` or `#[differentiate(wrt(a, b))]`.

use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, Token};

/// What the user asked for in the attribute.
#[derive(Default)]
pub struct Args {
    /// The parameters named in `wrt(...)`, or `None` for the default activity.
    pub wrt: Option<Vec<Ident>>,
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut args = Args::default();
        while !input.is_empty() {
            let key: Ident = input.parse()?;
            if key != "wrt" {
                return Err(syn::Error::new(
                    key.span(),
                    format!("unknown argument `{key}`; the only argument is `wrt(a, b, ...)`"),
                ));
            }
            if args.wrt.is_some() {
                return Err(syn::Error::new(
                    key.span(),
                    "`wrt` is given twice; list every parameter in one `wrt(...)`",
                ));
            }
            if !input.peek(syn::token::Paren) {
                return Err(syn::Error::new(
                    key.span(),
                    "`wrt` needs a list of parameters, as in `wrt(x, y)`",
                ));
            }
            let content;
            syn::parenthesized!(content in input);
            let names = Punctuated::<Ident, Token![,]>::parse_terminated(&content)?;
            if names.is_empty() {
                return Err(syn::Error::new(
                    key.span(),
                    "`wrt()` names no parameter; name at least one float parameter, or drop `wrt`",
                ));
            }
            args.wrt = Some(names.into_iter().collect());
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(args)
    }
}
