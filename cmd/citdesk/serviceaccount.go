package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"citdesk"
	"citdesk/store"
)

const serviceAccountUsage = "usage: citdesk service-account add --agency SLUG --name NAME --scopes a,b | list --agency SLUG | rotate --agency SLUG --name NAME | revoke --agency SLUG --name NAME"

// runServiceAccount manages an agency's service accounts from the command
// line: add and rotate print the new token alone on stdout, once.
func runServiceAccount(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(serviceAccountUsage)
	}
	sub := args[0]
	var slug, name, scopeList string
	db, fs, err := openData(ctx, "service-account "+sub, args[1:], stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "agency", "", "agency slug")
		fs.StringVar(&name, "name", "", "the service account's name, such as cad or avl")
		fs.StringVar(&scopeList, "scopes", "", "scopes, comma-separated: "+citdesk.JoinScopes(citdesk.Scopes))
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if fs.NArg() != 0 {
		return errors.New(serviceAccountUsage)
	}
	op, _, err := operator(ctx, db, slug)
	if err != nil {
		return err
	}
	svc := db.ServiceAccountService()
	switch sub {
	case "add":
		scopes, err := citdesk.ParseScopes(scopeList)
		if err != nil {
			return errors.New(citdesk.ErrorMessage(err))
		}
		sa, secret, err := svc.CreateServiceAccount(op, name, scopes)
		if err != nil {
			return errors.New(citdesk.ErrorMessage(err))
		}
		fmt.Fprintln(stdout, secret)
		fmt.Fprintf(stderr, "Service account %s (%s) created with scopes %s. The token above is shown once: store it in the other system now.\n",
			sa.Name, sa.Username, citdesk.JoinScopes(sa.Scopes))
		return nil
	case "list":
		accounts, err := svc.ListServiceAccounts(op)
		if err != nil {
			return errors.New(citdesk.ErrorMessage(err))
		}
		for _, sa := range accounts {
			state := "active"
			if sa.RevokedAt != nil {
				state = "revoked"
			}
			live := 0
			for _, t := range sa.Tokens {
				if t.RevokedAt == nil {
					live++
				}
			}
			fmt.Fprintf(stdout, "%s\t%s\t%s\t%d live token(s)\tcreated %s\n", sa.Name, citdesk.JoinScopes(sa.Scopes), state, live, sa.CreatedAt.Format(time.RFC3339))
		}
		return nil
	case "rotate", "revoke":
		sa, err := serviceAccountNamed(op, db, name)
		if err != nil {
			return err
		}
		if sub == "revoke" {
			if err := svc.RevokeServiceAccount(op, sa.ID); err != nil {
				return errors.New(citdesk.ErrorMessage(err))
			}
			fmt.Fprintf(stdout, "Service account %s revoked; its tokens no longer work.\n", sa.Name)
			return nil
		}
		_, secret, err := svc.RotateServiceToken(op, sa.ID)
		if err != nil {
			return errors.New(citdesk.ErrorMessage(err))
		}
		fmt.Fprintln(stdout, secret)
		fmt.Fprintf(stderr, "New token for %s; its earlier tokens no longer work.\n", sa.Name)
		return nil
	}
	return errors.New(serviceAccountUsage)
}

// serviceAccountNamed finds the operator's agency's service account name.
func serviceAccountNamed(op context.Context, db *store.DB, name string) (*citdesk.ServiceAccount, error) {
	accounts, err := db.ServiceAccountService().ListServiceAccounts(op)
	if err != nil {
		return nil, errors.New(citdesk.ErrorMessage(err))
	}
	for _, sa := range accounts {
		if sa.Name == strings.ToLower(strings.TrimSpace(name)) {
			return sa, nil
		}
	}
	return nil, fmt.Errorf("no service account %q in this agency", name)
}
